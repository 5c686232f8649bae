// astro_learn.v — the learning engine of a core: event-driven `stdp` / `astro_stdp` weight updates and
// per-neuron traces (docs/numerics.md, "Plasticity"; docs/accelerator.md, "LEARN"). It runs after the
// core's PROP phase, when the spikes of the step are known, and owns five memories:
//
//   PLAST  4 words per plastic projection: rates, bounds, trace constants, trace bases, modulator
//   RAXON  per compartment: (start, count) of its incoming plastic synapses in RSYN
//   RSYN   the transposed index: synapse address | pre axon
//   TRACE  x_pre and x_post of every plastic projection (Q16)
//   LAST   per axon: step + 1 of its last spike (written by the core's fetcher), so "spiked this
//          step" is LAST == STEP + 1 and nothing needs clearing between steps
//
// and reads the core's SPK list, input queue, AXON table, SYN memory (read and write back) and STATE
// (the modulator astrocyte's A). One step of learning, sequentially:
//   1. pre pass: for every event (spikes, then input events), the plastic prefix of its fan-out list
//      (AXON pcount): w' = f(w, x_post, and x_pre when the post spiked too) — astro_stdp.v;
//   2. post pass: for every spiking compartment, its RSYN list, skipping synapses whose pre spiked
//      (pass 1 did them);
//   3. traces: every x_pre / x_post of every plastic projection, with S from LAST.
// Parameters of the projection being worked on are held in a one-entry cache (reloaded when the
// synapse's projection id changes; am = rr(a_minus * A, 16) is computed at the load).
`default_nettype none

module astro_learn #(
    parameter NW = 12,
    parameter AW = 13,
    parameter SW = 18,
    parameter QW = 13,
    parameter PW = 4,   // plastic projections: 2^PW
    parameter TW = 14,  // trace entries: 2^TW
    parameter SYN_W = NW + 28 + PW
) (
    input  wire             i_clk,
    input  wire             i_rst,
    // host: WR_MEM / RD_MEM of the engine's memories (space in addr[31:28])
    input  wire             i_idle,
    input  wire             i_mem_we,
    input  wire [      3:0] i_mem_space,
    input  wire [     27:0] i_mem_addr,
    input  wire [     63:0] i_mem_data,
    output reg  [     63:0] o_mem_rdata,
    // control
    input  wire             i_start,
    output wire             o_busy,
    input  wire [   PW:0]   i_nplast,
    input  wire [   NW:0]   i_nspk,
    input  wire [   QW:0]   i_nin,
    input  wire [     31:0] i_stamp,      // STEP + 1
    // global axon of local compartment 0 (a mesh core's AXBASE; 0 on one core): LAST is indexed by axon
    input  wire [   AW-1:0] i_axbase,
    // LAST writes from the core's fetcher
    input  wire             i_last_we,
    input  wire [   AW-1:0] i_last_wa,
    // a second reader of LAST (the kernel engine), selected while it runs
    input  wire             i_xlast_sel,
    input  wire [   AW-1:0] i_xlast_ra,
    output wire [     31:0] o_last_rd,
    // core memories
    output reg  [   NW-1:0] o_spk_ra,
    input  wire [   NW-1:0] i_spk_rd,
    output reg  [   QW-1:0] o_inq_ra,
    input  wire [   AW-1:0] i_inq_rd,
    output reg  [   AW-1:0] o_axon_ra,
    input  wire [3*SW+1:0]  i_axon_rd,
    output reg  [   SW-1:0] o_syn_ra,
    input  wire [SYN_W-1:0] i_syn_rd,
    output wire [   SW-1:0] o_syn_wa,
    output reg              o_syn_we,
    output reg  [SYN_W-1:0] o_syn_wd,
    output reg  [   NW-1:0] o_state_ra,
    input  wire [     31:0] i_state_rd
);
  localparam [3:0] SP_PLAST = 4'd0, SP_RAXON = 4'd1, SP_RSYN = 4'd2, SP_TRACE = 4'd3, SP_LAST = 4'd4;
  localparam RSYN_W = SW + AW;
  localparam RAX_W = 2 * SW + 1;

  // ------------------------------------------------------------------ memories
  wire [63:0] plast_rd;
  reg [PW+1:0] plast_ra;
  astro_ram #(.AW(PW + 2), .DW(64)) u_plast (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_PLAST), .i_waddr(i_mem_addr[PW+1:0]),
      .i_wdata(i_mem_data), .i_re(1'b1), .i_raddr(i_idle ? i_mem_addr[PW+1:0] : plast_ra), .o_rdata(plast_rd));
  wire [RAX_W-1:0] raxon_rd;
  reg [NW-1:0] raxon_ra;
  astro_ram #(.AW(NW), .DW(RAX_W)) u_raxon (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_RAXON), .i_waddr(i_mem_addr[NW-1:0]),
      .i_wdata(i_mem_data[RAX_W-1:0]), .i_re(1'b1), .i_raddr(i_idle ? i_mem_addr[NW-1:0] : raxon_ra),
      .o_rdata(raxon_rd));
  wire [RSYN_W-1:0] rsyn_rd;
  reg [SW-1:0] rsyn_ra;
  astro_ram #(.AW(SW), .DW(RSYN_W)) u_rsyn (
      .i_clk(i_clk), .i_we(i_mem_we && i_mem_space == SP_RSYN), .i_waddr(i_mem_addr[SW-1:0]),
      .i_wdata(i_mem_data[RSYN_W-1:0]), .i_re(1'b1), .i_raddr(i_idle ? i_mem_addr[SW-1:0] : rsyn_ra),
      .o_rdata(rsyn_rd));
  wire [31:0] trace_rd;
  reg [TW-1:0] trace_ra, trace_wa;
  reg trace_we;
  reg [31:0] trace_wd;
  wire host_trace = i_mem_we && i_mem_space == SP_TRACE;
  astro_ram #(.AW(TW), .DW(32)) u_trace (
      .i_clk(i_clk), .i_we(trace_we || host_trace), .i_waddr(host_trace ? i_mem_addr[TW-1:0] : trace_wa),
      .i_wdata(host_trace ? i_mem_data[31:0] : trace_wd), .i_re(1'b1),
      .i_raddr(i_idle ? i_mem_addr[TW-1:0] : trace_ra), .o_rdata(trace_rd));
  wire [31:0] last_rd;
  reg [AW-1:0] last_ra;
  wire host_last = i_mem_we && i_mem_space == SP_LAST;
  astro_ram #(.AW(AW), .DW(32)) u_last (
      .i_clk(i_clk), .i_we(i_last_we || host_last), .i_waddr(host_last ? i_mem_addr[AW-1:0] : i_last_wa),
      .i_wdata(host_last ? i_mem_data[31:0] : i_stamp), .i_re(1'b1),
      .i_raddr(i_idle ? i_mem_addr[AW-1:0] : (i_xlast_sel ? i_xlast_ra : last_ra)), .o_rdata(last_rd));
  assign o_last_rd = last_rd;

  reg [3:0] rd_space_r;
  always @(posedge i_clk) rd_space_r <= i_mem_space;
  always @(*)
    case (rd_space_r)
      SP_PLAST: o_mem_rdata = plast_rd;
      SP_RAXON: o_mem_rdata = {{(64 - RAX_W) {1'b0}}, raxon_rd};
      SP_RSYN: o_mem_rdata = {{(64 - RSYN_W) {1'b0}}, rsyn_rd};
      SP_TRACE: o_mem_rdata = {32'd0, trace_rd};
      SP_LAST: o_mem_rdata = {32'd0, last_rd};
      default: o_mem_rdata = 64'd0;
    endcase

  // ------------------------------------------------------------------ parameter cache
  // W0: a_plus 24 | a_minus 24 | anti 1 | astro 1 | modulator NW
  // W1: w_lo 16 | w_hi 16 | inc 32
  // W2: f_pre 17 | f_post 17 | xpre_off TW | xpost_off TW     (trace address = axon + off, mod 2^TW)
  // W3: pre_base AW | npre AW+1 | post_base NW | npost NW+1
  reg c_valid_r;
  reg [PW-1:0] c_pid_r;
  reg [23:0] c_aplus_r, c_aminus_r;
  reg c_anti_r, c_astro_r;
  reg [NW-1:0] c_mod_r;
  reg [15:0] c_wlo_r, c_whi_r;
  reg [31:0] c_inc_r;
  reg [16:0] c_fpre_r, c_fpost_r;
  reg [TW-1:0] c_xpre_off_r, c_xpost_off_r;
  reg [AW-1:0] c_pre_base_r;
  reg [AW:0] c_npre_r;
  reg [NW-1:0] c_post_base_r;
  reg [NW:0] c_npost_r;
  reg [39:0] c_am_r;

  wire signed [55:0] am_prod = $signed({{32{c_aminus_r[23]}}, c_aminus_r}) * $signed({{24{i_state_rd[31]}}, i_state_rd});
  wire signed [55:0] am_rr = (am_prod + 56'sd32768) >>> 16;

  // ------------------------------------------------------------------ FSM
  localparam [4:0] L_IDLE = 5'd0, L_PRE_EV = 5'd1, L_PRE_ID = 5'd2, L_PRE_LIST = 5'd3, L_PRE_SYN = 5'd4,
      L_PRE_W = 5'd5, L_PRE_W2 = 5'd6, L_PRE_T = 5'd7, L_PRE_X = 5'd8, L_PRE_WR = 5'd9, L_POST_EV = 5'd10,
      L_POST_ID = 5'd11, L_POST_LIST = 5'd12, L_POST_R = 5'd13, L_POST_RS = 5'd14, L_POST_W = 5'd15,
      L_POST_W2 = 5'd16, L_POST_X = 5'd17, L_POST_WR = 5'd18, L_TR_P = 5'd19, L_TR_INIT = 5'd20, L_TR_RD = 5'd21,
      L_TR_WR = 5'd22, L_C0 = 5'd23, L_C1 = 5'd24, L_C2 = 5'd25, L_C3 = 5'd26, L_C4 = 5'd27, L_C5 = 5'd28;
  reg [4:0] st_r, ret_r;
  reg [QW+1:0] ev_r;
  reg [AW-1:0] axon_r;
  reg [SW-1:0] s_r, r_r;
  reg [SW:0] left_r;
  reg [SYN_W-1:0] word_r;
  reg [31:0] xpost_r, xpre_r;
  reg pspk_r;
  reg [PW-1:0] ld_pid_r;
  reg [PW:0] tp_r;
  reg side_r;
  reg [AW:0] ti_r;
  reg [TW-1:0] taddr_r;

  assign o_busy = st_r != L_IDLE;

  wire [QW+1:0] nspk_w = {{(QW + 1 - NW) {1'b0}}, i_nspk};
  wire [QW+1:0] nev = nspk_w + {1'b0, i_nin};
  wire ev_is_spk = ev_r < nspk_w;
  wire [QW+1:0] ev_q = ev_r - nspk_w;

  // fields of the latched synapse word: target NW | mant 8 | delay 6 | shift 4 | frac 8 | plastic 1 | pid PW |
  // kernel 1
  wire [NW-1:0] w_tgt = word_r[NW-1:0];
  wire [15:0] w_w16 = {word_r[NW+7:NW], word_r[NW+25:NW+18]};
  wire [PW-1:0] rd_pid = i_syn_rd[NW+27+PW-1:NW+27];
  wire hit_rd = c_valid_r && c_pid_r == rd_pid;
  wire [TW-1:0] tgt_w = {{(TW > NW ? TW - NW : 0) {1'b0}}, w_tgt};
  wire [NW-1:0] rd_tgt = i_syn_rd[NW-1:0];
  wire [TW-1:0] rd_tgt_w = {{(TW > NW ? TW - NW : 0) {1'b0}}, rd_tgt};
  wire more = left_r > 1;  // another synapse follows the one being written
  assign o_syn_wa = s_r;
  wire [TW-1:0] axon_w = {{(TW > AW ? TW - AW : 0) {1'b0}}, axon_r};

  wire [15:0] new_w;
  wire [31:0] new_x;
  wire trace_pre = !side_r;
  astro_stdp u_stdp (
      .i_pre_pass(st_r == L_PRE_WR), .i_post_spk(pspk_r), .i_anti(c_anti_r), .i_w(w_w16), .i_x_pre(xpre_r),
      .i_x_post(xpost_r), .i_am(c_am_r), .i_a_plus({{16{c_aplus_r[23]}}, c_aplus_r}), .i_w_lo(c_wlo_r),
      .i_w_hi(c_whi_r), .o_w(new_w), .i_x(trace_rd), .i_inc(c_inc_r), .i_f(trace_pre ? c_fpre_r : c_fpost_r),
      .i_spike(last_rd == i_stamp), .o_x(new_x));

  wire [AW:0] tr_n = side_r ? {{(AW - NW) {1'b0}}, c_npost_r} : c_npre_r;
  // trace sweep, one entry per cycle: L_TR_WR writes entry ti while it reads entry ti + 1
  wire [AW:0] tr_i = st_r == L_TR_WR ? ti_r + 1'b1 : ti_r;
  wire tr_more = tr_i < tr_n;
  // x_pre entries are indexed by (global) axon, x_post entries by local compartment; LAST by axon
  wire [AW-1:0] tr_idx = side_r ? {{(AW - NW) {1'b0}}, c_post_base_r} + tr_i[AW-1:0] : c_pre_base_r + tr_i[AW-1:0];
  wire [AW-1:0] tr_axon = side_r ? tr_idx + i_axbase : tr_idx;
  wire [TW-1:0] tr_addr = {{(TW > AW ? TW - AW : 0) {1'b0}}, tr_idx} + (side_r ? c_xpost_off_r : c_xpre_off_r);
  wire [AW-1:0] tgt_axon = {{(AW - NW) {1'b0}}, w_tgt} + i_axbase;
  wire [AW-1:0] rd_tgt_axon = {{(AW - NW) {1'b0}}, rd_tgt} + i_axbase;

  always @(*) begin
    o_spk_ra = ev_r[NW-1:0];
    o_inq_ra = ev_q[QW-1:0];
    o_axon_ra = ev_is_spk ? {{(AW - NW) {1'b0}}, i_spk_rd} + i_axbase : i_inq_rd;
    o_syn_ra = s_r;
    o_syn_we = 1'b0;
    o_syn_wd = {word_r[SYN_W-1:NW+26], new_w[7:0], word_r[NW+17:NW+8], new_w[15:8], word_r[NW-1:0]};
    o_state_ra = c_mod_r;
    plast_ra = {ld_pid_r, 2'd0};
    raxon_ra = i_spk_rd;
    rsyn_ra = r_r;
    trace_ra = tgt_w + c_xpost_off_r;
    trace_we = 1'b0;
    trace_wa = taddr_r;
    trace_wd = new_x;
    last_ra = tgt_axon;
    case (st_r)
      L_PRE_W: begin  // on a cache hit the reads for the synapse on the SYN output go out at once
        trace_ra = rd_tgt_w + c_xpost_off_r;
        last_ra = rd_tgt_axon;
      end
      L_PRE_T: trace_ra = axon_w + c_xpre_off_r;
      L_PRE_WR: begin  // write this synapse back, read the next
        o_syn_we = 1'b1;
        o_syn_ra = s_r + 1'b1;
      end
      L_POST_WR: begin  // write this synapse back, read the next RSYN entry
        o_syn_we = 1'b1;
        rsyn_ra = r_r + 1'b1;
      end
      L_POST_RS: begin
        o_syn_ra = rsyn_rd[SW-1:0];
        last_ra = rsyn_rd[RSYN_W-1:SW];
      end
      L_POST_W: begin
        trace_ra = axon_w + c_xpre_off_r;
        rsyn_ra = r_r + 1'b1;  // used when this synapse is skipped
      end
      L_POST_W2: trace_ra = axon_w + c_xpre_off_r;
      L_TR_RD: begin
        last_ra = tr_axon;
        trace_ra = tr_addr;
      end
      L_TR_WR: begin
        trace_we = 1'b1;
        last_ra = tr_axon;
        trace_ra = tr_addr;
      end
      L_C1: plast_ra = {ld_pid_r, 2'd1};
      L_C2: plast_ra = {ld_pid_r, 2'd2};
      L_C3: plast_ra = {ld_pid_r, 2'd3};
      default: ;
    endcase
  end

  always @(posedge i_clk) begin
    if (i_rst) begin
      st_r <= L_IDLE;
      ret_r <= L_IDLE;
      c_valid_r <= 1'b0;
      ev_r <= 0;
      left_r <= 0;
    end else begin
      case (st_r)
        L_IDLE:
        if (i_start) begin
          c_valid_r <= 1'b0;  // A and the tables may have changed since the last step
          ev_r <= 0;
          st_r <= L_PRE_EV;
        end
        // ---------------------------------------------- pre pass
        L_PRE_EV:
        if (ev_r >= nev) begin
          ev_r <= 0;
          st_r <= L_POST_EV;
        end else st_r <= L_PRE_ID;
        L_PRE_ID: begin
          axon_r <= o_axon_ra;
          st_r <= L_PRE_LIST;
        end
        L_PRE_LIST: begin
          s_r <= i_axon_rd[SW-1:0];
          left_r <= i_axon_rd[3*SW+1:2*SW+1];
          ev_r <= ev_r + 1'b1;
          st_r <= L_PRE_SYN;
        end
        L_PRE_SYN: st_r <= left_r == 0 ? L_PRE_EV : L_PRE_W;
        L_PRE_W: begin
          word_r <= i_syn_rd;
          ld_pid_r <= rd_pid;
          ret_r <= L_PRE_W2;
          st_r <= hit_rd ? L_PRE_T : L_C0;
        end
        L_PRE_W2: st_r <= L_PRE_T;  // TRACE[x_post of the target] and LAST[target] are being read
        L_PRE_T: begin
          xpost_r <= trace_rd;
          pspk_r <= last_rd == i_stamp;
          st_r <= last_rd == i_stamp ? L_PRE_X : L_PRE_WR;
        end
        L_PRE_X: begin
          xpre_r <= trace_rd;
          st_r <= L_PRE_WR;
        end
        L_PRE_WR: begin
          s_r <= s_r + 1'b1;
          left_r <= left_r - 1'b1;
          st_r <= more ? L_PRE_W : L_PRE_SYN;
        end
        // ---------------------------------------------- post pass
        L_POST_EV:
        if (ev_r >= nspk_w) begin
          tp_r <= 0;
          st_r <= L_TR_P;
        end else st_r <= L_POST_ID;
        L_POST_ID: st_r <= L_POST_LIST;  // RAXON[spike] is being read
        L_POST_LIST: begin
          r_r <= raxon_rd[SW-1:0];
          left_r <= raxon_rd[2*SW:SW];
          ev_r <= ev_r + 1'b1;
          st_r <= L_POST_R;
        end
        L_POST_R: st_r <= left_r == 0 ? L_POST_EV : L_POST_RS;
        L_POST_RS: begin
          s_r <= rsyn_rd[SW-1:0];
          axon_r <= rsyn_rd[RSYN_W-1:SW];
          st_r <= L_POST_W;
        end
        L_POST_W:
        if (last_rd == i_stamp) begin  // the pre spiked: the pre pass did this synapse
          r_r <= r_r + 1'b1;
          left_r <= left_r - 1'b1;
          st_r <= more ? L_POST_RS : L_POST_R;
        end else begin
          word_r <= i_syn_rd;
          ld_pid_r <= rd_pid;
          pspk_r <= 1'b1;
          ret_r <= L_POST_W2;
          st_r <= hit_rd ? L_POST_X : L_C0;
        end
        L_POST_W2: st_r <= L_POST_X;
        L_POST_X: begin
          xpre_r <= trace_rd;
          st_r <= L_POST_WR;
        end
        L_POST_WR: begin
          r_r <= r_r + 1'b1;
          left_r <= left_r - 1'b1;
          st_r <= more ? L_POST_RS : L_POST_R;
        end
        // ---------------------------------------------- traces
        L_TR_P:
        if (tp_r >= i_nplast) st_r <= L_IDLE;
        else begin
          ld_pid_r <= tp_r[PW-1:0];
          ret_r <= L_TR_INIT;
          st_r <= L_C0;
        end
        L_TR_INIT: begin
          side_r <= 1'b0;
          ti_r <= 0;
          st_r <= L_TR_RD;
        end
        L_TR_RD:
        if (!tr_more) begin
          ti_r <= 0;
          side_r <= 1'b1;
          if (side_r) begin
            tp_r <= tp_r + 1'b1;
            st_r <= L_TR_P;
          end
        end else begin
          taddr_r <= trace_ra;
          st_r <= L_TR_WR;
        end
        L_TR_WR: begin
          ti_r <= ti_r + 1'b1;
          taddr_r <= tr_addr;
          if (!tr_more) st_r <= L_TR_RD;  // ti + 1 is the end: L_TR_RD switches side or projection
        end
        // ---------------------------------------------- parameter cache load
        L_C0: st_r <= L_C1;
        L_C1: begin
          c_aplus_r <= plast_rd[23:0];
          c_aminus_r <= plast_rd[47:24];
          c_anti_r <= plast_rd[48];
          c_astro_r <= plast_rd[49];
          c_mod_r <= plast_rd[50+NW-1:50];
          st_r <= L_C2;
        end
        L_C2: begin
          c_wlo_r <= plast_rd[15:0];
          c_whi_r <= plast_rd[31:16];
          c_inc_r <= plast_rd[63:32];
          st_r <= L_C3;
        end
        L_C3: begin
          c_fpre_r <= plast_rd[16:0];
          c_fpost_r <= plast_rd[33:17];
          c_xpre_off_r <= plast_rd[34+TW-1:34];
          c_xpost_off_r <= plast_rd[34+2*TW-1:34+TW];
          st_r <= L_C4;
        end
        L_C4: begin
          c_pre_base_r <= plast_rd[AW-1:0];
          c_npre_r <= plast_rd[2*AW:AW];
          c_post_base_r <= plast_rd[2*AW+NW:2*AW+1];
          c_npost_r <= plast_rd[2*AW+2*NW+1:2*AW+NW+1];
          st_r <= L_C5;  // STATE[modulator] is being read
        end
        L_C5: begin
          c_am_r <= c_astro_r ? am_rr[39:0] : {{16{c_aminus_r[23]}}, c_aminus_r};
          c_pid_r <= ld_pid_r;
          c_valid_r <= 1'b1;
          st_r <= ret_r;
        end
        default: st_r <= L_IDLE;
      endcase
    end
  end
endmodule

`default_nettype wire
