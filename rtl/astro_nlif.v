// astro_nlif.v — the fixed-point `nalsm_lif` compartment of docs/numerics.md as two combinational
// halves, used by the core's two sweeps (bit-exact with runtime/neuron_nalsm_lif.c):
//
//   sweep 1 (phase 3a): spike = (V >= vth and rf == 0) or forced;  if spike: V = v_reset
//   sweep 2 (phase 3d): V = sat24(decay(V, leak, 0) + syn + inj)     (syn: the kernel sum, astro_kernel.v)
//                       rf = spiked ? nref : max(rf - 1, 0)
//
// PARAM: leak 12 | vth 20 | v_reset 20 | nref 6 | ... | kind 1 (bit 63); STATE: u 24 (0) | V 24 | rf 6 |
// spiked 1 (set by sweep 1, consumed by sweep 2).
`default_nettype none

module astro_nlif #(
    parameter ACC_W = 40,
    parameter INJ_W = 32
) (
    input  wire [     63:0] i_param,
    input  wire [     54:0] i_state,
    input  wire [ACC_W-1:0] i_syn,
    input  wire [INJ_W-1:0] i_inj,
    input  wire             i_forced,
    output wire             o_spike,   // sweep 1
    output wire [     54:0] o_state1,
    output wire [     54:0] o_state2   // sweep 2
);
  localparam SUM_W = (ACC_W > INJ_W ? ACC_W : INJ_W) + 2;

  wire [11:0] leak = i_param[11:0];
  wire [19:0] vth = i_param[31:12];
  wire [19:0] v_reset = i_param[51:32];
  wire [5:0] nref = i_param[57:52];
  wire [23:0] v = i_state[47:24];
  wire [5:0] rf = i_state[53:48];
  wire spiked = i_state[54];

  assign o_spike = ($signed(v) >= $signed({{4{vth[19]}}, vth}) && rf == 6'd0) || i_forced;
  assign o_state1 = {o_spike, rf, o_spike ? {{4{v_reset[19]}}, v_reset} : v, 24'd0};

  // decay(V, leak, 0) = sign(V) * ((|V| * (4096 - leak)) >> 12)
  wire [12:0] k = 13'd4096 - {1'b0, leak};
  wire [23:0] mag = v[23] ? (~v + 24'd1) : v;
  wire [36:0] prod = {13'd0, mag} * {24'd0, k};
  wire [23:0] dec = v[23] ? (~prod[35:12] + 24'd1) : prod[35:12];
  wire signed [SUM_W-1:0] sum = $signed({{(SUM_W - 24) {dec[23]}}, dec}) +
      $signed({{(SUM_W - ACC_W) {i_syn[ACC_W-1]}}, i_syn}) + $signed({{(SUM_W - INJ_W) {i_inj[INJ_W-1]}}, i_inj});
  localparam signed [SUM_W-1:0] VMAX = 8388607;
  wire signed [SUM_W-1:0] sat = sum > VMAX ? VMAX : (sum < -VMAX ? -VMAX : sum);
  wire [5:0] ref2 = spiked ? nref : (rf != 6'd0 ? rf - 6'd1 : 6'd0);
  assign o_state2 = {1'b0, ref2, sat[23:0], 24'd0};
endmodule

`default_nettype wire
