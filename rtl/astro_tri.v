// astro_tri.v — the `tripartite` astrocyte of docs/numerics.md on the core (LEARN = 1): the element
// update of the ASTRO phase, the per-element outputs of the GLIO phase, and the two memories only
// tripartite needs. Bit-exact with runtime/astro_tripartite.c and rt_proj.modulated (fixed):
//
//   ASTRO, element k (ev: the signed count of its domain's listened events, from the listen synapses)
//     ca = clamp31(decay16(ca, fca) + cps*clamp31(ev));  g = decay16(g, fg)
//     if ca > cth:  g = clamp31(g + grel)
//   GLIO, per entry (target compartment j, element k) of TLIST, before NEUR, from the g of the last step
//     mod:  factor = clamp31(rr(factor * clamp31(65536 + rr(ggain*g, 16)), 16))     (factor starts at 65536)
//     cur:  inj += rr(gcur*g, 16)
//   and after j's last entry (in astro_core.v)
//     ACC[slot, j] = sat(ACC[slot, j] + rr(clamp31(MACC[slot, j]) * factor, 16)), MACC[slot, j] = 0
//     EXT[j].inj  += inj
//
// rr(x, 16) = (x + 2^15) >>> 16; decay16(x, f) = sign(x) * ((|x| * f) >> 16); clamp31 to +-(2^31 - 1).
// Every product is two operands of at most 32 bits in 64: exact.
//
// Words of a tripartite element compartment c (the amsu memories of astro_amsu.v are reused):
//   PARAM  fca 17 | fg 17 | 0 .. | 1 (bit 63: tripartite; a nalsm astrocyte has bit 63 clear)
//   STATE  ca 32 (Q16)          AST  g 32 (Q16)
//   AP0    cps 32 | cth 32 (Q16)      AP1  grel 32 | ggain 32 (Q16)      AP2  gcur 32 (fine units)
// Memories here:
//   TLIST (WR_MEM space 14, write-only)  2^TW entries  j NW | k NW | mod 1 | cur 1 | last 1
//          grouped by target j (its last entry has `last`), entries of one j in astrocyte order
//   MACC   ACC_W-bit sum per {slot, compartment}, addressed like ACC: the one modulated projection
//          into the compartment (PROP adds synapses with the modulated bit here instead of ACC)
`default_nettype none
module astro_tri #(
    parameter NW = 12,
    parameter DW = 6,
    parameter TW = 14,
    parameter ACC_W = 40,
    parameter XINJ_W = 56   // the core's internal injected-current width
) (
    input  wire               i_clk,
    input  wire               i_mem_we,
    input  wire [        3:0] i_mem_space,
    input  wire [       27:0] i_mem_addr,
    input  wire [       63:0] i_mem_data,
    // TLIST
    input  wire [     TW-1:0] i_tl_ra,
    output wire [   2*NW+2:0] o_tl_rd,
    // MACC, addressed like ACC
    input  wire [DW+NW-1:0]   i_macc_ra,
    input  wire               i_macc_we,
    input  wire [DW+NW-1:0]   i_macc_wa,
    input  wire [ACC_W-1:0]   i_macc_wd,
    output wire [ACC_W-1:0]   o_macc_rd,
    // element words (RAM outputs of the compartment read in the previous cycle)
    input  wire [       63:0] i_param,
    input  wire [       31:0] i_ca,
    input  wire [       31:0] i_g,
    input  wire [       63:0] i_ap0,
    input  wire [       63:0] i_ap1,
    input  wire [       63:0] i_ap2,
    input  wire [ACC_W-1:0]   i_count,
    output wire [       31:0] o_ca,
    output wire [       31:0] o_g,
    // GLIO: one entry's contribution
    input  wire [       31:0] i_factor,   // signed, the factor so far
    output wire [       31:0] o_factor,   // times this element's 1 + ggain*g
    output wire [XINJ_W-1:0]  o_cur,      // rr(gcur*g, 16), sign-extended
    // GLIO: the target's write-back
    input  wire [ACC_W-1:0]   i_acc,
    input  wire [ACC_W-1:0]   i_macc,
    output wire [ACC_W-1:0]   o_acc
);
  localparam [3:0] SP_TLIST = 4'd14;
  localparam TL_W = 2 * NW + 3;
  astro_ram #(.AW(TW), .DW(TL_W)) u_tlist (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_TLIST), .i_waddr(i_mem_addr[TW-1:0]),
      .i_wdata(i_mem_data[TL_W-1:0]), .i_re(1'b1), .i_raddr(i_tl_ra), .o_rdata(o_tl_rd));
  astro_ram #(.AW(DW + NW), .DW(ACC_W)) u_macc (
      .i_clk(i_clk), .i_we(i_macc_we), .i_waddr(i_macc_wa), .i_wdata(i_macc_wd), .i_re(1'b1),
      .i_raddr(i_macc_ra), .o_rdata(o_macc_rd));

  localparam signed [63:0] Q31 = 64'sd2147483647;
  function automatic signed [63:0] clamp31(input signed [63:0] x);
    clamp31 = x > Q31 ? Q31 : (x < -Q31 ? -Q31 : x);
  endfunction
  function automatic signed [63:0] rr16(input signed [63:0] x);
    rr16 = (x + 64'sd32768) >>> 16;
  endfunction
  function automatic signed [63:0] decay16(input signed [63:0] x, input [16:0] k);
    reg [63:0] mag, prod;
    begin
      mag = x < 0 ? -x : x;
      prod = (mag * {47'd0, k}) >> 16;
      decay16 = x < 0 ? -$signed(prod) : $signed(prod);
    end
  endfunction
  function automatic signed [63:0] s32(input [31:0] x);
    s32 = {{32{x[31]}}, x};
  endfunction

  // element update
  wire [16:0] fca = i_param[16:0];
  wire [16:0] fg = i_param[33:17];
  wire signed [63:0] ev = clamp31({{(64 - ACC_W) {i_count[ACC_W-1]}}, i_count});
  wire signed [63:0] ca1 = clamp31(decay16(s32(i_ca), fca) + s32(i_ap0[31:0]) * ev);
  wire signed [63:0] g0 = decay16(s32(i_g), fg);
  wire signed [63:0] g1 = ca1 > s32(i_ap0[63:32]) ? clamp31(g0 + s32(i_ap1[31:0])) : g0;
  assign o_ca = ca1[31:0];
  assign o_g = g1[31:0];

  // GLIO outputs of the element
  wire signed [63:0] fq = clamp31(64'sd65536 + rr16(s32(i_ap1[63:32]) * s32(i_g)));
  wire signed [63:0] f1 = clamp31(rr16(s32(i_factor) * fq));
  wire signed [63:0] cur = rr16(s32(i_ap2[31:0]) * s32(i_g));
  assign o_factor = f1[31:0];
  assign o_cur = cur[XINJ_W-1:0];

  // the target: the modulated projection's slot sum, scaled, joins the accumulator. Saturating at
  // +-(2^(ACC_W-1) - 1) is exact for what reads it: lif takes sat24(decay(u) + syn) with |decay(u)| <
  // 2^23, amsu clamp31(syn), so any sum beyond the accumulator's range gives the same u either way.
  localparam signed [63:0] AMAX = (64'sd1 <<< (ACC_W - 1)) - 64'sd1;
  wire signed [63:0] mod = rr16(clamp31({{(64 - ACC_W) {i_macc[ACC_W-1]}}, i_macc}) * s32(i_factor));
  wire signed [63:0] sum = {{(64 - ACC_W) {i_acc[ACC_W-1]}}, i_acc} + mod;
  wire signed [63:0] sat = sum > AMAX ? AMAX : (sum < -AMAX ? -AMAX : sum);
  assign o_acc = sat[ACC_W-1:0];
endmodule
`default_nettype wire
