// astro_amsu.v — the `amsu` compartment (a lif-like unit with its own astrocyte state a) of
// docs/numerics.md, with the memories only amsu needs. Bit-exact with runtime/neuron_amsu.c (fixed):
//
//   m     = clamp31(65536 + rr(gain*a, 16))                       (input factor, from the previous a)
//   u     = sat24(decay(u, du, 1) + rr(clamp31(syn) * m, 16))
//   if ref > 0:  ref = ref - 1; v = 0                              (no spike)
//   else:        v = sat24(decay(v, dv, 0) + u + rr(acur*a, 16) + inj)
//                spike = v > vth + rr(tgain*a, 16)                 (strict, fine units)
//   if spike or forced: v = 0; ref = nref
//   a     = clamp31(decay16(a, fa) + a_pre*E + a_spike*S)          (E: events delivered this step)
//
// rr(x, 16) = (x + 2^15) >>> 16; decay16(x, f) = sign(x) * ((|x| * f) >> 16); clamp31 to +-(2^31 - 1).
// Every product is two 32-bit signed operands (or 32 x 17 / 32 x CW) in a 64-bit result: exact.
//
// The core's NEUR sweep reads PARAM, STATE, EXT, ACC and this module's words of compartment j in one
// cycle and writes them back the next (one compartment per cycle, as lif). Memories (LEARN = 1 only):
//   AP0 (WR_MEM space 10)  tgain 32 | acur 32            AP1 (11)  a_pre 32 | a_spike 32
//   AP2 (12)               gain 32 | fa 17               AST (13)  a 32 (Q16), read back with RD_MEM
//   ECNT                   CW-bit event count per {slot, compartment}, beside ACC (the core counts one
//                          per delivered synapse in PROP and clears it wherever it clears ACC)
// PARAM of an amsu compartment: du 12 | dv 12 | vth 24 (signed, fine units) | nref 6 | 0 .. | 1 | 1
// (bits 62 and 63 set; nalsm_lif has bit 63 alone). STATE: u 24 | v 24 | ref 6 | 0, as lif.
`default_nettype none
module astro_amsu #(
    parameter NW = 12,
    parameter DW = 6,
    parameter CW = 19,     // event count width (SW + 1: a slot never holds more events than synapses)
    parameter ACC_W = 40,
    parameter INJ_W = 32
) (
    input  wire             i_clk,
    // host: WR_MEM / RD_MEM of spaces 10..13 (space in addr[31:28])
    input  wire             i_mem_we,
    input  wire [      3:0] i_mem_space,
    input  wire [     27:0] i_mem_addr,
    input  wire [     63:0] i_mem_data,
    output wire [     63:0] o_mem_rdata,  // AST word of the address read in the previous cycle
    // parameter and a reads (NEUR: the compartment being read; idle: the host's address)
    input  wire [   NW-1:0] i_ra,
    input  wire             i_a_we,       // NEUR write-back of a (compartment i_a_wa)
    input  wire [   NW-1:0] i_a_wa,
    input  wire             i_x_we,       // ASTRO write-back of a tripartite element's g (astro_tri.v)
    input  wire [   NW-1:0] i_x_wa,
    input  wire [     31:0] i_x_wd,
    output wire [     63:0] o_ap0,        // the words at i_ra, for a tripartite element (astro_tri.v)
    output wire [     63:0] o_ap1,
    output wire [     63:0] o_ap2,
    output wire [     31:0] o_a,
    // event counts, addressed like ACC
    input  wire [DW+NW-1:0] i_cnt_ra,
    input  wire             i_cnt_we,
    input  wire [DW+NW-1:0] i_cnt_wa,
    input  wire [   CW-1:0] i_cnt_wd,
    output wire [   CW-1:0] o_cnt_rd,
    // the compartment's words (on the RAM outputs in the cycle after i_ra)
    input  wire [     63:0] i_param,
    input  wire [     54:0] i_state,
    input  wire [ACC_W-1:0] i_syn,
    input  wire [INJ_W-1:0] i_inj,
    input  wire             i_forced,
    output wire [     54:0] o_state,
    output wire             o_spike
);
  localparam [3:0] SP_AP0 = 4'd10, SP_AP1 = 4'd11, SP_AP2 = 4'd12, SP_AST = 4'd13;
  wire [63:0] ap0, ap1, ap2;
  wire [31:0] a_rd;
  wire [31:0] a_new;
  wire host_a = i_mem_we && i_mem_space == SP_AST;
  astro_ram #(.AW(NW), .DW(64)) u_ap0 (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_AP0), .i_waddr(i_mem_addr[NW-1:0]), .i_wdata(i_mem_data),
      .i_re(1'b1), .i_raddr(i_ra), .o_rdata(ap0));
  astro_ram #(.AW(NW), .DW(64)) u_ap1 (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_AP1), .i_waddr(i_mem_addr[NW-1:0]), .i_wdata(i_mem_data),
      .i_re(1'b1), .i_raddr(i_ra), .o_rdata(ap1));
  astro_ram #(.AW(NW), .DW(64)) u_ap2 (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_AP2), .i_waddr(i_mem_addr[NW-1:0]), .i_wdata(i_mem_data),
      .i_re(1'b1), .i_raddr(i_ra), .o_rdata(ap2));
  astro_ram #(.AW(NW), .DW(32)) u_ast (
      .i_clk(i_clk), .i_we(host_a || i_a_we || i_x_we),
      .i_waddr(host_a ? i_mem_addr[NW-1:0] : (i_x_we ? i_x_wa : i_a_wa)),
      .i_wdata(host_a ? i_mem_data[31:0] : (i_x_we ? i_x_wd : a_new)), .i_re(1'b1), .i_raddr(i_ra), .o_rdata(a_rd));
  astro_ram #(.AW(DW + NW), .DW(CW)) u_ecnt (
      .i_clk(i_clk), .i_we(i_cnt_we), .i_waddr(i_cnt_wa), .i_wdata(i_cnt_wd), .i_re(1'b1), .i_raddr(i_cnt_ra),
      .o_rdata(o_cnt_rd));
  assign o_mem_rdata = {32'd0, a_rd};
  assign o_ap0 = ap0;
  assign o_ap1 = ap1;
  assign o_ap2 = ap2;
  assign o_a = a_rd;

  localparam signed [63:0] Q31 = 64'sd2147483647;
  localparam signed [63:0] V24 = 64'sd8388607;
  function automatic signed [63:0] clamp31(input signed [63:0] x);
    clamp31 = x > Q31 ? Q31 : (x < -Q31 ? -Q31 : x);
  endfunction
  function automatic signed [63:0] sat24(input signed [63:0] x);
    sat24 = x > V24 ? V24 : (x < -V24 ? -V24 : x);
  endfunction
  function automatic signed [63:0] rr16(input signed [63:0] x);
    rr16 = (x + 64'sd32768) >>> 16;
  endfunction
  // sign(x) * ((|x| * k) >> sh), x of at most 32 bits, k of at most 17: truncation toward zero
  function automatic signed [63:0] decay(input signed [63:0] x, input [16:0] k, input integer sh);
    reg [63:0] mag, prod;
    begin
      mag = x < 0 ? -x : x;
      prod = (mag * {47'd0, k}) >> sh;
      decay = x < 0 ? -$signed(prod) : $signed(prod);
    end
  endfunction

  wire signed [63:0] a = {{32{a_rd[31]}}, a_rd};
  wire signed [63:0] gain = {{32{ap2[31]}}, ap2[31:0]};
  wire [16:0] fa = ap2[48:32];
  wire signed [63:0] tgain = {{32{ap0[31]}}, ap0[31:0]};
  wire signed [63:0] acur = {{32{ap0[63]}}, ap0[63:32]};
  wire signed [63:0] a_pre = {{32{ap1[31]}}, ap1[31:0]};
  wire signed [63:0] a_spike = {{32{ap1[63]}}, ap1[63:32]};
  wire [11:0] du = i_param[11:0];
  wire [11:0] dv = i_param[23:12];
  wire signed [63:0] vth = {{40{i_param[47]}}, i_param[47:24]};
  wire [5:0] nref = i_param[53:48];
  wire signed [63:0] u0 = {{40{i_state[23]}}, i_state[23:0]};
  wire signed [63:0] v0 = {{40{i_state[47]}}, i_state[47:24]};
  wire [5:0] ref0 = i_state[53:48];
  wire signed [63:0] syn = {{(64 - ACC_W) {i_syn[ACC_W-1]}}, i_syn};
  wire signed [63:0] inj = {{(64 - INJ_W) {i_inj[INJ_W-1]}}, i_inj};
  wire [63:0] ev = {{(64 - CW) {1'b0}}, o_cnt_rd};

  wire signed [63:0] m = clamp31(64'sd65536 + rr16(gain * a));
  wire signed [63:0] u1 = sat24(decay(u0, {5'd0, 12'd4095 - du}, 12) + rr16(clamp31(syn) * m));
  wire signed [63:0] v1 = sat24(decay(v0, 17'd4096 - {5'd0, dv}, 12) + u1 + rr16(acur * a) + inj);
  wire refractory = ref0 != 6'd0;
  wire fire = !refractory && v1 > vth + rr16(tgain * a);
  wire s = fire || i_forced;
  wire signed [63:0] a1 = clamp31(decay(a, fa, 16) + a_pre * $signed(ev) + (s ? a_spike : 64'sd0));
  assign a_new = a1[31:0];
  assign o_spike = s;
  assign o_state = {1'b0, s ? nref : (refractory ? ref0 - 6'd1 : 6'd0), (refractory || s) ? 24'd0 : v1[23:0],
                    u1[23:0]};
endmodule
`default_nettype wire
