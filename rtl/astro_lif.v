// astro_lif.v — the fixed-point `lif` compartment update of docs/numerics.md, as one combinational
// block (the core registers its inputs and outputs). Bit-exact with runtime/neuron_lif.c:
//
//   u = sat24(decay(u, du, 1) + syn)
//   if ref > 0:  ref = ref - 1; v = 0                        (no spike)
//   else:        v = sat24(decay(v, dv, 0) + u + (bias_mant << bias_exp) + inj)
//                spike = v > (vth_mant << 6)                 (strict)
//   if spike or forced: v = 0; ref = nref
//
// decay(x, d, off) = sign(x) * ((|x| * (4096 - off - d)) >> 12): a 24-bit magnitude times a 13-bit
// factor (at most 4096) is a 37-bit product, which is exact; the >> 12 truncates toward zero.
`default_nettype none

module astro_lif #(
    parameter ACC_W = 40,  // dendritic sum width (signed)
    parameter INJ_W = 32   // injected current width (signed)
) (
    input  wire [      23:0] i_u,
    input  wire [      23:0] i_v,
    input  wire [       5:0] i_ref,
    input  wire [      11:0] i_du,
    input  wire [      11:0] i_dv,
    input  wire [      16:0] i_vth,
    input  wire [      12:0] i_bias_mant,
    input  wire [       2:0] i_bias_exp,
    input  wire [       5:0] i_nref,
    input  wire [ACC_W-1:0]  i_syn,
    input  wire [INJ_W-1:0]  i_inj,
    input  wire              i_forced,
    output wire [      23:0] o_u,
    output wire [      23:0] o_v,
    output wire [       5:0] o_ref,
    output wire              o_spike
);
  localparam SUM_W = ACC_W + 2;  // u: decay(u) + syn never overflows this
  localparam VSUM_W = INJ_W + 4;  // v: four terms, each narrower than INJ_W + 1 bits
  localparam [23:0] STATE_MAX = 24'h7fffff;
  localparam [23:0] STATE_MIN = 24'h800001;  // -(2^23 - 1)

  // sign(x) * ((|x| * k) >> 12)
  function automatic [23:0] decay(input [23:0] x, input [12:0] k);
    reg [23:0] mag;
    reg [36:0] prod;
    begin
      mag   = x[23] ? (~x + 24'd1) : x;
      prod  = {13'd0, mag} * {24'd0, k};
      decay = x[23] ? (~prod[35:12] + 24'd1) : prod[35:12];
    end
  endfunction

  // Clamp a W-bit signed value (W <= 64) to +-(2^23 - 1).
  function automatic [23:0] sat24(input [63:0] x);
    begin
      if (!x[63] && x > 64'h00000000007fffff) sat24 = STATE_MAX;
      else if (x[63] && x < 64'hffffffffff800001) sat24 = STATE_MIN;
      else sat24 = x[23:0];
    end
  endfunction

  wire [12:0] ku = 13'd4095 - {1'b0, i_du};
  wire [12:0] kv = 13'd4096 - {1'b0, i_dv};

  wire [23:0] du_dec = decay(i_u, ku);
  wire [23:0] dv_dec = decay(i_v, kv);

  wire [SUM_W-1:0] u_sum = {{(SUM_W - 24) {du_dec[23]}}, du_dec} + {{(SUM_W - ACC_W) {i_syn[ACC_W-1]}}, i_syn};
  wire [23:0] u_new = sat24({{(64 - SUM_W) {u_sum[SUM_W-1]}}, u_sum});

  wire [VSUM_W-1:0] bias = {{(VSUM_W - 13) {i_bias_mant[12]}}, i_bias_mant} << i_bias_exp;
  wire [VSUM_W-1:0] v_sum = {{(VSUM_W - 24) {dv_dec[23]}}, dv_dec} + {{(VSUM_W - 24) {u_new[23]}}, u_new} + bias +
      {{(VSUM_W - INJ_W) {i_inj[INJ_W-1]}}, i_inj};
  wire [23:0] v_int = sat24({{(64 - VSUM_W) {v_sum[VSUM_W-1]}}, v_sum});

  wire refractory = i_ref != 6'd0;
  wire [23:0] thresh = {1'b0, i_vth, 6'd0};
  wire fire = !refractory && ($signed(v_int) > $signed(thresh));
  wire reset_v = fire || i_forced;

  assign o_u = u_new;
  assign o_v = (refractory || reset_v) ? 24'd0 : v_int;
  assign o_ref = reset_v ? i_nref : (refractory ? i_ref - 6'd1 : 6'd0);
  assign o_spike = reset_v;
endmodule

`default_nettype wire
