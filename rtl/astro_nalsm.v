// astro_nalsm.v — the fixed-point `nalsm` astrocyte update of docs/numerics.md as one combinational
// block (the core registers inputs and outputs). Bit-exact with runtime/astro_nalsm.c:
//
//   drive = clamp(w_a*count + b_a - A, +-2^46)          (count: signed listened spikes of the step)
//   A     = clamp(A + rr(drive*k, 16), +-(2^31 - 1))    rr(x, n) = floor((x + 2^(n-1)) / 2^n)
//
// Widths: w_a and b_a are 23-bit (the backend rejects larger), count is the ACC_W-bit dendritic sum,
// so w_a*count + b_a - A fits 64 bits exactly; |drive| <= 2^46 times k <= 2^16 fits 64 bits.
`default_nettype none

module astro_nalsm #(
    parameter ACC_W = 40
) (
    input  wire [ACC_W-1:0] i_count,  // signed
    input  wire [     31:0] i_a,      // signed Q16
    input  wire [     22:0] i_w_a,    // signed Q16
    input  wire [     22:0] i_b_a,    // signed Q16
    input  wire [     16:0] i_k,      // unsigned Q16, 0..65536
    output wire [     31:0] o_a
);
  localparam signed [63:0] DMAX = 64'sd70368744177664;  // 2^46
  localparam signed [63:0] AMAX = 64'sd2147483647;

  wire signed [63:0] prod = $signed({{(64 - ACC_W) {i_count[ACC_W-1]}}, i_count}) *
      $signed({{41{i_w_a[22]}}, i_w_a});
  wire signed [63:0] drive = prod + $signed({{41{i_b_a[22]}}, i_b_a}) - $signed({{32{i_a[31]}}, i_a});
  wire signed [63:0] dclamp = drive > DMAX ? DMAX : (drive < -DMAX ? -DMAX : drive);
  wire signed [63:0] step = dclamp * $signed({47'd0, i_k});
  wire signed [63:0] rr = (step + 64'sd32768) >>> 16;
  wire signed [63:0] na = $signed({{32{i_a[31]}}, i_a}) + rr;
  wire signed [63:0] nc = na > AMAX ? AMAX : (na < -AMAX ? -AMAX : na);
  assign o_a = nc[31:0];
endmodule

`default_nettype wire
