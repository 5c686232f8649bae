// astro_kernel.v — kernel delivery of `nalsm_lif` populations (docs/numerics.md, "Kernel delivery"):
// every step, after PROP has stamped this step's spikes into LAST, for each kernel projection p (a
// projection into a nalsm_lif population) and each presynaptic neuron i whose last spike L_i is at most
// reach = kcut + max delay steps old, every synapse k of its row adds mant(w_k) * kq[t - L_i - delay_k]
// (0 <= s <= kcut) to a per-post accumulator KACC; then every post j of p gets
// ACC[slot, j] += rr(KACC[j] << shift_p, 12) and KACC[j] = 0 (the rounding is per projection, as in
// runtime/synapses.c). The core's NEUR2 sweep then integrates V with ACC[slot, j]. Sequential: one
// synapse in flight. Memories: KPROJ (2 words per kernel projection), KAX ((start, count) of the row of
// (p, i) in SYN), KTAB (4 Q12 kernel tables of 64 entries), KACC.
`default_nettype none

module astro_kernel #(
    parameter NW = 12,
    parameter AW = 13,
    parameter SW = 18,
    parameter DW = 6,
    parameter PW = 4,
    parameter KW = 14,  // KAX entries: 2^KW
    parameter ACC_W = 40,
    parameter SYN_W = NW + 28 + PW
) (
    input  wire             i_clk,
    input  wire             i_rst,
    input  wire             i_idle,
    input  wire             i_mem_we,
    input  wire [      3:0] i_mem_space,
    input  wire [     27:0] i_mem_addr,
    input  wire [     63:0] i_mem_data,
    input  wire             i_start,
    output wire             o_busy,
    input  wire [     PW:0] i_nkproj,
    input  wire [     31:0] i_stamp,   // STEP + 1
    input  wire [   DW-1:0] i_slot,
    output reg  [   AW-1:0] o_last_ra,
    input  wire [     31:0] i_last_rd,
    output reg  [   SW-1:0] o_syn_ra,
    input  wire [SYN_W-1:0] i_syn_rd,
    output reg  [DW+NW-1:0] o_acc_ra,
    input  wire [ACC_W-1:0] i_acc_rd,
    output reg              o_acc_we,
    output reg  [ACC_W-1:0] o_acc_wd
);
  localparam [3:0] SP_KPROJ = 4'd6, SP_KAX = 4'd7, SP_KTAB = 4'd8, SP_KACC = 4'd9;
  localparam KACC_W = 48;  // sum of mant * kq: 7 + 13 bits per synapse, < 2^28 synapses

  // ------------------------------------------------------------------ memories
  wire [63:0] kproj_rd;
  reg [PW:0] kproj_ra;
  astro_ram #(.AW(PW + 1), .DW(64)) u_kproj (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_KPROJ), .i_waddr(i_mem_addr[PW:0]), .i_wdata(i_mem_data),
      .i_re(1'b1), .i_raddr(kproj_ra), .o_rdata(kproj_rd));
  wire [2*SW:0] kax_rd;
  reg [KW-1:0] kax_ra;
  astro_ram #(.AW(KW), .DW(2 * SW + 1)) u_kax (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_KAX), .i_waddr(i_mem_addr[KW-1:0]),
      .i_wdata(i_mem_data[2*SW:0]), .i_re(1'b1), .i_raddr(kax_ra), .o_rdata(kax_rd));
  wire [12:0] ktab_rd;
  reg [7:0] ktab_ra;
  astro_ram #(.AW(8), .DW(13)) u_ktab (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_KTAB), .i_waddr(i_mem_addr[7:0]),
      .i_wdata(i_mem_data[12:0]), .i_re(1'b1), .i_raddr(ktab_ra), .o_rdata(ktab_rd));
  wire [KACC_W-1:0] kacc_rd;
  reg [NW-1:0] kacc_ra, kacc_wa;
  reg kacc_we;
  reg [KACC_W-1:0] kacc_wd;
  wire host_kacc = i_mem_we && i_mem_space == SP_KACC;  // the load stream zeroes KACC
  astro_ram #(.AW(NW), .DW(KACC_W)) u_kacc (
      .i_clk(i_clk), .i_we(kacc_we || host_kacc), .i_waddr(host_kacc ? i_mem_addr[NW-1:0] : kacc_wa),
      .i_wdata(host_kacc ? i_mem_data[KACC_W-1:0] : kacc_wd), .i_re(1'b1), .i_raddr(kacc_ra), .o_rdata(kacc_rd));

  // ------------------------------------------------------------------ projection descriptor
  // W0: pre_base AW | npre AW+1 | post_base NW | npost NW+1
  // W1: kbase KW | shift 4 | ktab 2 | kcut 6 | reach 7
  reg [AW-1:0] pre_base_r;
  reg [AW:0] npre_r;
  reg [NW-1:0] post_base_r;
  reg [NW:0] npost_r;
  reg [KW-1:0] kbase_r;
  reg [3:0] shift_r;
  reg [1:0] ktab_r;
  reg [5:0] kcut_r;
  reg [6:0] reach_r;

  localparam [3:0] K_IDLE = 4'd0, K_P = 4'd1, K_D0 = 4'd2, K_D1 = 4'd3, K_PRE = 4'd4, K_PRE2 = 4'd5, K_SYN = 4'd6,
      K_SW = 4'd7, K_ACC = 4'd8, K_POST = 4'd9, K_PW = 4'd10;
  reg [3:0] st_r;
  reg [PW:0] kp_r;
  reg [AW:0] i_r;
  reg [NW:0] j_r;
  reg [SW-1:0] s_r;
  reg [SW:0] left_r;
  reg [31:0] s0_r;
  reg [NW-1:0] tgt_r;
  reg [7:0] mant_r;

  assign o_busy = st_r != K_IDLE;

  wire [31:0] s0 = i_stamp - i_last_rd;
  wire pre_live = i_last_rd != 32'd0 && s0 <= {25'd0, reach_r};
  wire [5:0] syn_delay = i_syn_rd[NW+13:NW+8];
  wire [31:0] sd = s0_r - {26'd0, syn_delay};  // wraps when negative: rejected by the compare below
  wire sd_ok = s0_r >= {26'd0, syn_delay} && sd <= {26'd0, kcut_r};
  wire [NW-1:0] post_j = post_base_r + j_r[NW-1:0];

  wire signed [KACC_W-1:0] prod = $signed({{(KACC_W - 8) {mant_r[7]}}, mant_r}) * $signed({{(KACC_W - 13) {1'b0}}, ktab_rd});
  wire signed [63:0] scaled = $signed({{(64 - KACC_W) {kacc_rd[KACC_W-1]}}, kacc_rd}) <<< shift_r;
  wire signed [63:0] rounded = (scaled + 64'sd2048) >>> 12;
  wire [ACC_W-1:0] acc_sum = i_acc_rd + rounded[ACC_W-1:0];

  always @(*) begin
    kproj_ra = i_idle ? i_mem_addr[PW:0] : {kp_r[PW-1:0], st_r == K_D0};
    kax_ra = kbase_r + i_r[KW-1:0];
    ktab_ra = {ktab_r, sd[5:0]};
    o_last_ra = pre_base_r + i_r[AW-1:0];
    o_syn_ra = s_r;
    kacc_ra = st_r == K_POST ? post_j : i_syn_rd[NW-1:0];
    kacc_we = 1'b0;
    kacc_wa = tgt_r;
    kacc_wd = kacc_rd + prod;
    o_acc_ra = {i_slot, post_j};
    o_acc_we = 1'b0;
    o_acc_wd = acc_sum;
    case (st_r)
      K_ACC: kacc_we = 1'b1;
      K_PW: begin
        kacc_we = 1'b1;
        kacc_wa = post_j;
        kacc_wd = {KACC_W{1'b0}};
        o_acc_we = 1'b1;
      end
      default: ;
    endcase
  end

  always @(posedge i_clk) begin
    if (i_rst) st_r <= K_IDLE;
    else
      case (st_r)
        K_IDLE:
        if (i_start) begin
          kp_r <= 0;
          st_r <= K_P;
        end
        K_P: st_r <= kp_r >= i_nkproj ? K_IDLE : K_D0;  // KPROJ[kp, 0] is being read
        K_D0: begin
          pre_base_r <= kproj_rd[AW-1:0];
          npre_r <= kproj_rd[2*AW:AW];
          post_base_r <= kproj_rd[2*AW+NW:2*AW+1];
          npost_r <= kproj_rd[2*AW+2*NW+1:2*AW+NW+1];
          st_r <= K_D1;
        end
        K_D1: begin
          kbase_r <= kproj_rd[KW-1:0];
          shift_r <= kproj_rd[KW+3:KW];
          ktab_r <= kproj_rd[KW+5:KW+4];
          kcut_r <= kproj_rd[KW+11:KW+6];
          reach_r <= kproj_rd[KW+18:KW+12];
          i_r <= 0;
          st_r <= K_PRE;
        end
        K_PRE:
        if (i_r >= npre_r) begin
          j_r <= 0;
          st_r <= K_POST;
        end else st_r <= K_PRE2;  // LAST[pre] and KAX[p, i] are being read
        K_PRE2: begin
          s0_r <= s0;
          s_r <= kax_rd[SW-1:0];
          left_r <= pre_live ? kax_rd[2*SW:SW] : {(SW + 1) {1'b0}};
          i_r <= i_r + 1'b1;
          st_r <= K_SYN;
        end
        K_SYN: st_r <= left_r == 0 ? K_PRE : K_SW;  // SYN[s] is being read
        K_SW:
        if (sd_ok) begin  // KTAB[sd] and KACC[target] are being read
          tgt_r <= i_syn_rd[NW-1:0];
          mant_r <= i_syn_rd[NW+7:NW];
          st_r <= K_ACC;
        end else begin
          s_r <= s_r + 1'b1;
          left_r <= left_r - 1'b1;
          st_r <= K_SYN;
        end
        K_ACC: begin
          s_r <= s_r + 1'b1;
          left_r <= left_r - 1'b1;
          st_r <= K_SYN;
        end
        K_POST:
        if (j_r >= npost_r) begin
          kp_r <= kp_r + 1'b1;
          st_r <= K_P;
        end else st_r <= K_PW;  // KACC[j] and ACC[slot, j] are being read
        K_PW: begin
          j_r <= j_r + 1'b1;
          st_r <= K_POST;
        end
        default: st_r <= K_IDLE;
      endcase
  end
endmodule

`default_nettype wire
