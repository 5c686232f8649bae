// astro_stdp.v — the fixed-point arithmetic of the learning engine (docs/numerics.md, "Plasticity"),
// combinational. Bit-exact with step_fixed() of runtime/plasticity.c:
//
//   term(rate, x) = rr(rate * x, 16)
//   pre pass  (the pre spiked):  v = sat32(w + Tpre);  if the post spiked too: v = v + Tpost
//   post pass (only the post):   v = w + Tpost
//   w' = clip(v, w_lo, w_hi)
//   hebbian: Tpre = -term(am, x_post), Tpost = +term(a_plus, x_pre)
//   anti:    Tpre = +term(a_plus, x_post), Tpost = -term(am, x_pre)
//
// The interpreter runs a pre pass (saturating to +-(2^31 - 1)), then a post pass (clip), then clips
// the pre pass's synapses: per synapse that is exactly the expression above. Trace update:
//   x' = clamp(rr((inc*S + x) * f, 16), +-(2^31 - 1)).
// Widths: rates are 40-bit (am = rr(a_minus * A, 16) with a 24-bit a_minus and a 32-bit A), traces
// 32-bit, so rate * x is at most 71 bits: computed in 72 bits, exact.
`default_nettype none

module astro_stdp (
    input  wire        i_pre_pass,  // 1: the synapse's pre spiked (row walk); 0: post-only (column walk)
    input  wire        i_post_spk,  // pre pass: the post spiked too
    input  wire        i_anti,
    input  wire [15:0] i_w,         // weight word, signed
    input  wire [31:0] i_x_pre,     // signed Q16 traces of step t-1
    input  wire [31:0] i_x_post,
    input  wire [39:0] i_am,        // signed, already scaled by the astrocyte
    input  wire [39:0] i_a_plus,    // signed
    input  wire [15:0] i_w_lo,
    input  wire [15:0] i_w_hi,
    output wire [15:0] o_w,
    // trace update
    input  wire [31:0] i_x,
    input  wire [31:0] i_inc,
    input  wire [16:0] i_f,
    input  wire        i_spike,
    output wire [31:0] o_x
);
  localparam signed [71:0] MAX31 = 72'sd2147483647;

  function automatic signed [71:0] term(input [39:0] rate, input [31:0] x);
    reg signed [71:0] p;
    begin
      p = $signed({{32{rate[39]}}, rate}) * $signed({{40{x[31]}}, x});
      term = (p + 72'sd32768) >>> 16;
    end
  endfunction

  wire signed [71:0] t_pre = i_anti ? term(i_a_plus, i_x_post) : -term(i_am, i_x_post);
  wire signed [71:0] t_post = i_anti ? -term(i_am, i_x_pre) : term(i_a_plus, i_x_pre);
  wire signed [71:0] w = $signed({{56{i_w[15]}}, i_w});
  wire signed [71:0] v1 = w + t_pre;
  wire signed [71:0] v1s = v1 > MAX31 ? MAX31 : (v1 < -MAX31 ? -MAX31 : v1);
  wire signed [71:0] base = i_pre_pass ? v1s : w;
  wire signed [71:0] v2 = (!i_pre_pass || i_post_spk) ? base + t_post : base;
  wire signed [71:0] lo = $signed({{56{i_w_lo[15]}}, i_w_lo});
  wire signed [71:0] hi = $signed({{56{i_w_hi[15]}}, i_w_hi});
  wire signed [71:0] wc = v2 < lo ? lo : (v2 > hi ? hi : v2);
  assign o_w = wc[15:0];

  wire signed [71:0] xs = $signed({{40{i_x[31]}}, i_x}) + (i_spike ? $signed({{40{i_inc[31]}}, i_inc}) : 72'sd0);
  wire signed [71:0] xp = xs * $signed({55'd0, i_f});
  wire signed [71:0] xr = (xp + 72'sd32768) >>> 16;
  wire signed [71:0] xc = xr > MAX31 ? MAX31 : (xr < -MAX31 ? -MAX31 : xr);
  assign o_x = xc[31:0];
endmodule

`default_nettype wire
