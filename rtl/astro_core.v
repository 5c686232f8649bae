// astro_core.v — one accelerator core: a time-multiplexed `lif` neuron engine over NNEUR compartments,
// fan-out synapse lists, a ring of dendritic accumulators indexed by arrival slot, spike input/output
// queues and the host command bus (docs/accelerator.md has the block diagram, timing and memory map).
//
// One STEP runs two phases:
//   NEUR  for j = 0..NNEUR-1, one compartment per cycle: read state, parameters, the accumulator of
//         slot (step mod NSLOT) and the external word (forced spike, injected current); write back the
//         new state, clear the accumulator and the external word, append j to the spike list on a spike.
//   PROP  for every event (spikes of this step, then the host's input queue): read the axon's fan-out
//         list (start, count) and stream its synapses, one per cycle, into the accumulator of slot
//         (step + 1 + delay) mod NSLOT: acc += mantissa << shift, shift = 6 + the projection's weight
//         exponent (docs/numerics.md, "Synaptic input"). A one-deep forward covers back-to-back hits.
// With LEARN = 1 two more phases follow (docs/accelerator.md):
//   LEARN  stdp / astro_stdp weight updates and traces (astro_learn.v), when NPLAST > 0;
//   KERN   nalsm_lif kernel delivery into ACC[slot] (astro_kernel.v), when NKPROJ > 0;
//   NEUR2  the integration half of nalsm_lif compartments (astro_nlif.v), when NLIF2 = 1 (sweep 1 = NEUR
//          only decided their spikes and reset);
//   ASTRO  for j = NNEUR..NNEUR+NASTRO-1, the astrocyte compartments: the same PARAM, STATE
//          and ACC memories, `nalsm` A (or `tripartite` ca and g, astro_tri.v) updated from the signed
//          count of listened events that the listen synapses (delay 0, shift 0) put into slot
//          (step + 1) mod NSLOT.
//   GLIO   (before NEUR, when NGLIO > 0) the outputs of `tripartite` astrocytes from the g of the last
//          step: per TLIST entry the efficacy factor and glio current of a target compartment; then the
//          compartment's modulated-projection sum MACC[slot] joins ACC[slot], scaled and rounded, and the
//          current joins EXT (astro_tri.v).
// With MESH = 1 (a core of astro_mesh.v) two states sit between NEUR and PROP:
//   SEND   the spike list leaves through the tx port (local id and global axon AXBASE + id) to the router;
//   WAIT   until the mesh barrier (i_go): every core has sent its spikes and the mesh has drained.
//   Spike packets of other cores arrive on the rx port during NEUR, SEND and WAIT and are appended to the
//   input queue like host input events; PROP then delivers them. Local spikes use axon AXBASE + id.
`default_nettype none

module astro_core #(
    parameter NW = 12,     // neuron (compartment) address bits
    parameter AW = 13,     // axon address bits
    parameter SW = 18,     // synapse address bits
    parameter DW = 6,      // delay / ring-slot bits: NSLOT <= 2^DW, delay <= 2^DW - 1
    parameter QW = 13,     // input queue address bits
    parameter ACC_W = 40,  // dendritic accumulator width
    parameter INJ_W = 32,  // injected current width
    parameter LEARN = 0,   // 1: astrocyte compartments and the learning engine
    parameter PW = 4,      // plastic projections: 2^PW (LEARN)
    parameter TW = 14,     // trace entries: 2^TW (LEARN)
    parameter MESH = 0     // 1: SEND / WAIT states and the tx / rx ports (astro_mesh.v)
) (
    input  wire        i_clk,
    input  wire        i_rst,
    input  wire        i_cmd_valid,
    input  wire [ 3:0] i_cmd_op,
    input  wire [31:0] i_cmd_addr,
    input  wire [63:0] i_cmd_data,
    output wire        o_cmd_ready,
    output reg         o_rvalid,
    output wire [63:0] o_rdata,
    // mesh ports (MESH = 1; astro_top ties them off)
    output wire          o_tx_valid,  // a spike of this step: local id and global axon
    output wire [NW-1:0] o_tx_id,
    output wire [AW-1:0] o_tx_axon,
    input  wire          i_tx_ready,
    input  wire          i_rx_valid,  // a remote spike (global axon) for the input queue
    input  wire [AW-1:0] i_rx_axon,
    output wire          o_rx_ready,
    output wire          o_wait,      // in WAIT: all spikes sent
    input  wire          i_go         // the barrier: leave WAIT for PROP
);
  // ------------------------------------------------------------------ host commands and registers
  localparam [3:0] OP_NOP = 4'd0, OP_WR_REG = 4'd1, OP_WR_PARAM = 4'd2, OP_WR_STATE = 4'd3,
      OP_WR_AXON = 4'd4, OP_WR_SYN = 4'd5, OP_WR_EXT = 4'd6, OP_IN_SPIKE = 4'd7, OP_STEP = 4'd8,
      OP_CLEAR = 4'd9, OP_RD_REG = 4'd10, OP_RD_STATE = 4'd11, OP_RD_SPIKE = 4'd12, OP_WR_MEM = 4'd13,
      OP_RD_MEM = 4'd14;
  localparam [3:0] REG_NNEUR = 4'd0, REG_NSLOT = 4'd1, REG_STEP = 4'd2, REG_SLOT = 4'd3, REG_NSPK = 4'd4,
      REG_NIN = 4'd5, REG_CYCLES = 4'd6, REG_SYNEV = 4'd7, REG_CAPS = 4'd8, REG_ID = 4'd9, REG_NASTRO = 4'd10,
      REG_NPLAST = 4'd11, REG_LCYCLES = 4'd12, REG_LUPD = 4'd13, REG_NKPROJ = 4'd14, REG_NLIF2 = 4'd15;
  localparam [3:0] SP_SYN = 4'd5;  // RD_MEM / WR_MEM space of the SYN memory (0..4: astro_learn.v)
  localparam [31:0] CORE_ID = 32'h41535431;  // "AST1"

  // Word layouts (LSB first).
  // lif: du 12 | dv 12 | vth 17 | bias_mant 13 | bias_exp 3 | nref 6 | kind 1 (0); nalsm_lif: astro_nlif.v
  localparam PARAM_W = 64;
  localparam STATE_W = 55;  // u 24 | v 24 | ref 6 | nalsm_lif spiked 1
  // target NW | mantissa 8 | delay 6 | shift 4 [| frac 8 | plastic 1 | projection PW | kernel 1  (LEARN)]
  // (a kernel synapse, into a nalsm_lif population, is not delivered by PROP: astro_kernel.v reads it)
  // [| modulated 1  (LEARN: a synapse of a tripartite-modulated projection, delivered into MACC)]
  localparam SYN_W = LEARN != 0 ? NW + 29 + PW : NW + 18;
  localparam KBIT = LEARN != 0 ? NW + 27 + PW : 0;  // kernel bit
  localparam MBIT = LEARN != 0 ? NW + 28 + PW : 0;  // modulated bit
  // start SW | count SW+1 [| plastic count SW+1  (LEARN: the first pcount synapses are plastic)]
  localparam AXON_W = LEARN != 0 ? 3 * SW + 2 : 2 * SW + 1;
  // inj XINJ_W | forced 1: the host writes INJ_W bits (sign-extended); with LEARN the GLIO phase adds
  // glio currents of up to 2^46 fine units each, so the word is 24 bits wider
  localparam XINJ_W = LEARN != 0 ? INJ_W + 24 : INJ_W;
  localparam EXT_W = XINJ_W + 1;
  localparam CW = SW + 1;  // amsu event count per {slot, compartment}: at most one per synapse
  localparam [3:0] SP_AMSU = 4'd10;  // RD_MEM spaces 10..13: astro_amsu.v (13: a)

  // ------------------------------------------------------------------ FSM
  localparam [3:0] S_IDLE = 4'd0, S_CLEAR = 4'd1, S_NEUR = 4'd2, S_NDRAIN = 4'd3, S_PROP = 4'd4,
      S_PDRAIN = 4'd5, S_DONE = 4'd6, S_LEARN = 4'd7, S_ASTRO = 4'd8, S_KERN = 4'd9, S_NEUR2 = 4'd10,
      S_SEND = 4'd11, S_WAIT = 4'd12, S_GLIO = 4'd13;
  // MESH registers: global axon of local compartment 0; PROP + PDRAIN and WAIT cycles of the last step
  localparam [4:0] REG_AXBASE = 5'd16, REG_PCYCLES = 5'd17, REG_WCYCLES = 5'd18;
  localparam [4:0] REG_NGLIO = 5'd19;  // TLIST entries (LEARN; 0: no GLIO phase)
  reg [3:0] state_r, state_nx;

  reg [NW:0] nneur_r;
  reg [NW:0] nastro_r;
  reg [PW:0] nplast_r;
  reg [PW:0] nkproj_r;
  reg nlif2_r;
  reg [TW:0] nglio_r;
  wire glio_on = LEARN != 0 && nglio_r != 0;
  wire [NW:0] ncomp = nneur_r + nastro_r;
  reg [DW:0] nslot_r;
  reg [31:0] step_r;
  reg [DW-1:0] slot_r;
  reg [NW:0] nspk_r;
  reg [QW:0] nin_r;
  reg [31:0] cycles_r, cyc_cnt_r, synev_r, synev_cnt_r;
  reg [31:0] lcycles_r, lcyc_cnt_r, lupd_r, lupd_cnt_r;  // LEARN + ASTRO cycles, weight write-backs

  reg [AW-1:0] axbase_r;
  reg [31:0] pcyc_r, pcyc_cnt_r, wcyc_r, wcyc_cnt_r;
  wire [AW-1:0] axbase = MESH != 0 ? axbase_r : {AW{1'b0}};
  reg [NW:0] tx_i_r;  // SEND: next spike-list entry
  reg tx_v_r;         // SEND: spk_rd holds entry tx_i_r
  wire rx_take;

  reg pn_v_r;  // compartment pn_idx_r's words are on the RAM outputs
  reg [NW-1:0] pn_idx_r;

  wire idle = state_r == S_IDLE;
  wire cmd = i_cmd_valid && idle;
  wire [3:0] op = i_cmd_op;
  assign o_cmd_ready = idle;

  // ------------------------------------------------------------------ memories
  // neuron parameters and state
  wire [PARAM_W-1:0] param_rd;
  wire [STATE_W-1:0] state_rd;
  reg state_we;
  reg [NW-1:0] state_wa;
  reg [STATE_W-1:0] state_wd;
  reg [NW-1:0] neur_ra;
  reg [NW-1:0] st_ra;
  wire [NW-1:0] state_ra = idle ? i_cmd_addr[NW-1:0] : st_ra;

  astro_ram #(.AW(NW), .DW(PARAM_W)) u_param (
      .i_clk(i_clk), .i_we(cmd && op == OP_WR_PARAM), .i_waddr(i_cmd_addr[NW-1:0]),
      .i_wdata(i_cmd_data[PARAM_W-1:0]), .i_re(1'b1), .i_raddr(neur_ra), .o_rdata(param_rd));
  astro_ram #(.AW(NW), .DW(STATE_W)) u_state (
      .i_clk(i_clk), .i_we(state_we), .i_waddr(state_wa), .i_wdata(state_wd), .i_re(1'b1),
      .i_raddr(state_ra), .o_rdata(state_rd));

  // external input of the step: forced spike and injected current
  wire [EXT_W-1:0] ext_rd;
  reg ext_we;
  reg [NW-1:0] ext_wa;
  reg [EXT_W-1:0] ext_wd;
  astro_ram #(.AW(NW), .DW(EXT_W)) u_ext (
      .i_clk(i_clk), .i_we(ext_we), .i_waddr(ext_wa), .i_wdata(ext_wd), .i_re(1'b1), .i_raddr(neur_ra),
      .o_rdata(ext_rd));

  // dendritic accumulators: address {slot, neuron}
  wire [ACC_W-1:0] acc_rd;
  reg acc_we;
  reg [DW+NW-1:0] acc_wa, acc_ra;
  reg [ACC_W-1:0] acc_wd;
  astro_ram #(.AW(DW + NW), .DW(ACC_W)) u_acc (
      .i_clk(i_clk), .i_we(acc_we), .i_waddr(acc_wa), .i_wdata(acc_wd), .i_re(1'b1), .i_raddr(acc_ra),
      .o_rdata(acc_rd));

  // fan-out lists
  wire [AXON_W-1:0] axon_rd;
  reg [AW-1:0] axon_ra;
  astro_ram #(.AW(AW), .DW(AXON_W)) u_axon (
      .i_clk(i_clk), .i_we(cmd && op == OP_WR_AXON), .i_waddr(i_cmd_addr[AW-1:0]),
      .i_wdata(i_cmd_data[AXON_W-1:0]), .i_re(1'b1), .i_raddr(axon_ra), .o_rdata(axon_rd));
  wire [SYN_W-1:0] syn_rd;
  reg [SW-1:0] s_addr_r;
  reg [SW-1:0] syn_ra;
  wire host_syn = cmd && (op == OP_WR_SYN || (op == OP_WR_MEM && i_cmd_addr[31:28] == SP_SYN));
  wire l_syn_we;
  wire [SW-1:0] l_syn_ra, l_syn_wa;
  wire [SYN_W-1:0] l_syn_wd;
  astro_ram #(.AW(SW), .DW(SYN_W)) u_syn (
      .i_clk(i_clk), .i_we(host_syn || l_syn_we), .i_waddr(host_syn ? i_cmd_addr[SW-1:0] : l_syn_wa),
      .i_wdata(host_syn ? i_cmd_data[SYN_W-1:0] : l_syn_wd), .i_re(1'b1), .i_raddr(syn_ra), .o_rdata(syn_rd));

  // spike output list and input queue
  wire [NW-1:0] spk_rd;
  reg spk_we;
  reg [NW-1:0] spk_ra;
  astro_ram #(.AW(NW), .DW(NW)) u_spk (
      .i_clk(i_clk), .i_we(spk_we), .i_waddr(nspk_r[NW-1:0]), .i_wdata(pn_idx_r), .i_re(1'b1),
      .i_raddr(spk_ra), .o_rdata(spk_rd));
  wire [AW-1:0] inq_rd;
  reg [QW-1:0] inq_ra;
  astro_ram #(.AW(QW), .DW(AW)) u_inq (
      .i_clk(i_clk), .i_we((cmd && op == OP_IN_SPIKE) || rx_take), .i_waddr(nin_r[QW-1:0]),
      .i_wdata(rx_take ? i_rx_axon : i_cmd_data[AW-1:0]), .i_re(1'b1), .i_raddr(inq_ra), .o_rdata(inq_rd));

  // ------------------------------------------------------------------ mesh ports (MESH)
  // rx is open while this core does not read the input queue (NEUR .. WAIT); the host writes it only
  // when the whole mesh is idle, so the two writers never meet.
  assign o_rx_ready = MESH != 0 && (state_r == S_NEUR || state_r == S_NDRAIN || state_r == S_SEND ||
                                    state_r == S_WAIT);
  assign rx_take = i_rx_valid && o_rx_ready;
  assign o_tx_valid = MESH != 0 && state_r == S_SEND && tx_v_r;
  assign o_tx_id = spk_rd;
  assign o_tx_axon = axbase + {{(AW - NW) {1'b0}}, spk_rd};
  assign o_wait = state_r == S_WAIT;

  // ------------------------------------------------------------------ CLEAR: zero accumulators, ext
  reg [NW:0] clr_n_r;
  reg [DW:0] clr_s_r;
  wire clr_last = clr_n_r + 1'b1 >= ncomp && clr_s_r + 1'b1 >= nslot_r;

  // ------------------------------------------------------------------ NEUR phase
  reg [NW:0] n_idx_r;  // next compartment to read
  wire n_issue = state_r == S_NEUR && n_idx_r < nneur_r;

  wire [23:0] lif_u, lif_v;
  wire [5:0] lif_ref;
  wire lif_spike;
  astro_lif #(.ACC_W(ACC_W), .INJ_W(XINJ_W)) u_lif (
      .i_u(state_rd[23:0]), .i_v(state_rd[47:24]), .i_ref(state_rd[53:48]),
      .i_du(param_rd[11:0]), .i_dv(param_rd[23:12]), .i_vth(param_rd[40:24]), .i_bias_mant(param_rd[53:41]),
      .i_bias_exp(param_rd[56:54]), .i_nref(param_rd[62:57]), .i_syn(acc_rd), .i_inj(ext_rd[XINJ_W-1:0]),
      .i_forced(ext_rd[XINJ_W]), .o_u(lif_u), .o_v(lif_v), .o_ref(lif_ref), .o_spike(lif_spike));

  // nalsm_lif compartments (LEARN): sweep 1 decides spikes, NEUR2 integrates
  wire is_nl = LEARN != 0 && param_rd[PARAM_W-1] && !param_rd[PARAM_W-2];
  wire nl_spike;  // astro_nlif, in g_learn below
  wire [STATE_W-1:0] nl_state1, nl_state2;
  // amsu compartments (LEARN): PARAM bits 63 and 62; one cycle in NEUR like lif (astro_amsu.v)
  wire is_am = LEARN != 0 && param_rd[PARAM_W-1] && param_rd[PARAM_W-2];
  wire am_spike;
  wire [STATE_W-1:0] am_state;
  wire [63:0] am_mem_rd;
  wire [CW-1:0] cnt_rd;  // ECNT[acc_ra]: synaptic events in the accumulator's slot (LEARN)
  wire pn_spike = is_nl ? nl_spike : (is_am ? am_spike : lif_spike);

  // ------------------------------------------------------------------ PROP phase
  // fetcher: event index -> axon id -> (start, count), held in pend_* until the streamer takes it
  localparam [1:0] F_IDLE = 2'd0, F_EV = 2'd1, F_AX = 2'd2, F_HOLD = 2'd3;
  reg [1:0] f_state_r;
  reg [QW+1:0] ev_i_r;
  reg f_spk_r;  // the event in flight comes from the spike list (else from the input queue)
  reg [SW-1:0] pend_start_r;
  reg [SW:0] pend_count_r;
  wire [QW+1:0] nev = {{(QW + 1 - NW) {1'b0}}, nspk_r} + {1'b0, nin_r};
  reg [SW:0] s_left_r;
  wire take = f_state_r == F_HOLD && (s_left_r == 0 || s_left_r == 1);
  wire f_issue = state_r == S_PROP && (f_state_r == F_IDLE || take) && ev_i_r < nev;
  wire ev_is_spk = ev_i_r < {{(QW + 1 - NW) {1'b0}}, nspk_r};
  wire [QW+1:0] ev_q = ev_i_r - {{(QW + 1 - NW) {1'b0}}, nspk_r};

  // streamer and the two-stage accumulate pipeline
  wire syn_re = s_left_r != 0;
  reg q1_v_r;  // syn_rd holds a synapse
  reg q2_v_r;  // acc_rd holds its accumulator
  reg [DW+NW-1:0] q2_addr_r;
  reg q2_mod_r;  // the synapse goes to MACC (LEARN)
  reg fw_mod_r;
  reg [ACC_W-1:0] q2_val_r;
  reg fw_v_r;
  reg [DW+NW-1:0] fw_addr_r;
  reg [ACC_W-1:0] fw_data_r;
  reg [CW-1:0] fw_cnt_r;  // event count written with fw_data_r (LEARN)

  wire [NW-1:0] syn_target = syn_rd[NW-1:0];
  wire [7:0] syn_mant = syn_rd[NW+7:NW];
  wire [5:0] syn_delay = syn_rd[NW+13:NW+8];
  wire [3:0] syn_shift = syn_rd[NW+17:NW+14];
  wire [DW+1:0] slot_raw = {2'b00, slot_r} + {{(DW + 2 - 6) {1'b0}}, syn_delay} + 1'b1;
  wire [DW+1:0] slot_wrap = slot_raw >= {1'b0, nslot_r} ? slot_raw - {1'b0, nslot_r} : slot_raw;
  wire [DW+NW-1:0] q1_addr = {slot_wrap[DW-1:0], syn_target};
  wire [ACC_W-1:0] q1_val = {{(ACC_W - 8) {syn_mant[7]}}, syn_mant} << syn_shift;
  wire [ACC_W-1:0] macc_rd;
  wire fw_hit = fw_v_r && fw_addr_r == q2_addr_r;
  wire [ACC_W-1:0] q2_base = q2_mod_r ? ((fw_hit && fw_mod_r) ? fw_data_r : macc_rd) :
                                        ((fw_hit && !fw_mod_r) ? fw_data_r : acc_rd);
  wire [ACC_W-1:0] q2_sum = q2_base + q2_val_r;
  wire [CW-1:0] q2_cnt = (fw_hit ? fw_cnt_r : cnt_rd) + 1'b1;

  wire prop_done = ev_i_r >= nev && f_state_r == F_IDLE && s_left_r == 0;

  // ------------------------------------------------------------------ GLIO phase (LEARN)
  // Per TLIST entry: cycle 0 reads the entry, 1 reads the element's g and words (AST, AP1, AP2),
  // 2 folds its factor and current in (and, after the target's last entry, reads the target's ACC,
  // MACC and EXT), 3 writes the target back.
  reg [TW:0] gl_i_r;
  reg [1:0] gl_ph_r;
  reg [NW-1:0] gl_j_r;
  reg gl_mod_r, gl_cur_r, gl_last_r;
  reg [31:0] gl_fac_r;
  reg [XINJ_W-1:0] gl_inj_r;
  wire [2*NW+2:0] tl_rd;
  wire [31:0] tri_factor;
  wire [XINJ_W-1:0] tri_cur;
  wire [ACC_W-1:0] tri_acc;
  wire glio_done = gl_ph_r == 2'd3 && gl_i_r + 1'b1 >= nglio_r;
  reg macc_we, cnt_we;
  reg [DW+NW-1:0] macc_wa;
  reg [ACC_W-1:0] macc_wd;

  // ------------------------------------------------------------------ ASTRO phase (LEARN)
  // Two cycles per astrocyte compartment: read PARAM, STATE and ACC[slot + 1], then write A back and
  // clear the accumulator. PARAM of an astrocyte compartment: w_a 23 | b_a 23 | k 17 (Q16).
  reg [NW:0] a_idx_r;
  reg a_wr_r;
  wire [DW:0] slot_nx_raw = {1'b0, slot_r} + 1'b1;
  wire [DW-1:0] slot_nx = slot_nx_raw >= nslot_r ? {DW{1'b0}} : slot_nx_raw[DW-1:0];
  wire astro_done = a_idx_r >= ncomp && !a_wr_r;
  wire [31:0] astro_a;
  wire is_tri = LEARN != 0 && param_rd[PARAM_W-1];  // in ASTRO: a tripartite element
  wire [31:0] tri_ca, tri_g;
  wire [63:0] am_ap0, am_ap1, am_ap2;
  wire [31:0] am_a;

  // ------------------------------------------------------------------ NEUR2 sweep (LEARN)
  reg [NW:0] b_idx_r;
  reg b_wr_r;

  // ------------------------------------------------------------------ KERN phase (LEARN)
  reg k_start_r;
  wire k_busy;
  wire [AW-1:0] k_last_ra;
  wire [31:0] l_last_rd;
  wire [SW-1:0] k_syn_ra;
  wire [DW+NW-1:0] k_acc_ra;
  wire k_acc_we;
  wire [ACC_W-1:0] k_acc_wd;

  // ------------------------------------------------------------------ LEARN phase (LEARN)
  reg l_start_r;
  wire l_busy;
  wire [63:0] l_mem_rd;
  wire [NW-1:0] l_spk_ra, l_state_ra;
  wire [QW-1:0] l_inq_ra;
  wire [AW-1:0] l_axon_ra;
  generate
    if (LEARN != 0) begin : g_learn
      astro_nlif #(.ACC_W(ACC_W), .INJ_W(XINJ_W)) u_nlif (
          .i_param(param_rd), .i_state(state_rd), .i_syn(acc_rd), .i_inj(ext_rd[XINJ_W-1:0]),
          .i_forced(ext_rd[XINJ_W]), .o_spike(nl_spike), .o_state1(nl_state1), .o_state2(nl_state2));
      astro_nalsm #(.ACC_W(ACC_W)) u_nalsm (
          .i_count(acc_rd), .i_a(state_rd[31:0]), .i_w_a(param_rd[22:0]), .i_b_a(param_rd[45:23]),
          .i_k(param_rd[62:46]), .o_a(astro_a));
      astro_learn #(.NW(NW), .AW(AW), .SW(SW), .QW(QW), .PW(PW), .TW(TW), .SYN_W(SYN_W)) u_learn (
          .i_clk(i_clk), .i_rst(i_rst), .i_idle(idle), .i_mem_we(cmd && op == OP_WR_MEM),
          .i_mem_space(i_cmd_addr[31:28]), .i_mem_addr(i_cmd_addr[27:0]), .i_mem_data(i_cmd_data),
          .o_mem_rdata(l_mem_rd), .i_start(l_start_r), .o_busy(l_busy), .i_nplast(nplast_r), .i_nspk(nspk_r),
          .i_nin(nin_r), .i_stamp(step_r + 32'd1), .i_axbase(axbase),
          .i_last_we(state_r == S_PROP && f_state_r == F_EV), .i_last_wa(axon_ra), .i_xlast_sel(state_r == S_KERN), .i_xlast_ra(k_last_ra), .o_last_rd(l_last_rd),
          .o_spk_ra(l_spk_ra), .i_spk_rd(spk_rd), .o_inq_ra(l_inq_ra), .i_inq_rd(inq_rd),
          .o_axon_ra(l_axon_ra), .i_axon_rd(axon_rd), .o_syn_ra(l_syn_ra), .i_syn_rd(syn_rd), .o_syn_wa(l_syn_wa),
          .o_syn_we(l_syn_we), .o_syn_wd(l_syn_wd), .o_state_ra(l_state_ra), .i_state_rd(state_rd[31:0]));
      astro_kernel #(.NW(NW), .AW(AW), .SW(SW), .DW(DW), .PW(PW), .KW(TW), .ACC_W(ACC_W), .SYN_W(SYN_W)) u_kernel (
          .i_clk(i_clk), .i_rst(i_rst), .i_idle(idle), .i_mem_we(cmd && op == OP_WR_MEM),
          .i_mem_space(i_cmd_addr[31:28]), .i_mem_addr(i_cmd_addr[27:0]), .i_mem_data(i_cmd_data),
          .i_start(k_start_r), .o_busy(k_busy), .i_nkproj(nkproj_r), .i_stamp(step_r + 32'd1), .i_slot(slot_r),
          .o_last_ra(k_last_ra), .i_last_rd(l_last_rd), .o_syn_ra(k_syn_ra), .i_syn_rd(syn_rd), .o_acc_ra(k_acc_ra),
          .i_acc_rd(acc_rd), .o_acc_we(k_acc_we), .o_acc_wd(k_acc_wd));
      // ECNT mirrors every ACC write: +1 per delivered synapse in PROP, 0 wherever ACC is written
      // otherwise (CLEAR, NEUR, KERN, NEUR2, ASTRO), so a slot's count is zero when it is reused.
      astro_amsu #(.NW(NW), .DW(DW), .CW(CW), .ACC_W(ACC_W), .INJ_W(XINJ_W)) u_amsu (
          .i_clk(i_clk), .i_mem_we(cmd && op == OP_WR_MEM), .i_mem_space(i_cmd_addr[31:28]),
          .i_mem_addr(i_cmd_addr[27:0]), .i_mem_data(i_cmd_data), .o_mem_rdata(am_mem_rd),
          .i_ra(idle ? i_cmd_addr[NW-1:0] : neur_ra), .i_a_we((state_r == S_NEUR || state_r == S_NDRAIN) && pn_v_r && is_am),
          .i_a_wa(pn_idx_r), .i_x_we(state_r == S_ASTRO && a_wr_r && is_tri), .i_x_wa(a_idx_r[NW-1:0]),
          .i_x_wd(tri_g), .o_ap0(am_ap0), .o_ap1(am_ap1), .o_ap2(am_ap2), .o_a(am_a),
          .i_cnt_ra(acc_ra), .i_cnt_we(cnt_we), .i_cnt_wa(acc_wa),
          .i_cnt_wd((state_r == S_PROP || state_r == S_PDRAIN) ? q2_cnt : {CW{1'b0}}), .o_cnt_rd(cnt_rd),
          .i_param(param_rd), .i_state(state_rd), .i_syn(acc_rd), .i_inj(ext_rd[XINJ_W-1:0]),
          .i_forced(ext_rd[XINJ_W]), .o_state(am_state), .o_spike(am_spike));
      astro_tri #(.NW(NW), .DW(DW), .TW(TW), .ACC_W(ACC_W), .XINJ_W(XINJ_W)) u_tri (
          .i_clk(i_clk), .i_mem_we(cmd && op == OP_WR_MEM), .i_mem_space(i_cmd_addr[31:28]),
          .i_mem_addr(i_cmd_addr[27:0]), .i_mem_data(i_cmd_data), .i_tl_ra(gl_i_r[TW-1:0]), .o_tl_rd(tl_rd),
          .i_macc_ra(acc_ra), .i_macc_we(macc_we), .i_macc_wa(macc_wa), .i_macc_wd(macc_wd), .o_macc_rd(macc_rd),
          .i_param(param_rd), .i_ca(state_rd[31:0]), .i_g(am_a), .i_ap0(am_ap0), .i_ap1(am_ap1), .i_ap2(am_ap2),
          .i_count(acc_rd), .o_ca(tri_ca), .o_g(tri_g), .i_factor(gl_fac_r), .o_factor(tri_factor),
          .o_cur(tri_cur), .i_acc(acc_rd), .i_macc(macc_rd), .o_acc(tri_acc));
    end else begin : g_no_learn
      assign am_spike = 1'b0;
      assign am_state = {STATE_W{1'b0}};
      assign am_mem_rd = 64'd0;
      assign am_ap0 = 64'd0;
      assign am_ap1 = 64'd0;
      assign am_ap2 = 64'd0;
      assign am_a = 32'd0;
      assign tl_rd = {(2 * NW + 3) {1'b0}};
      assign macc_rd = {ACC_W{1'b0}};
      assign tri_ca = 32'd0;
      assign tri_g = 32'd0;
      assign tri_factor = 32'd0;
      assign tri_cur = {XINJ_W{1'b0}};
      assign tri_acc = {ACC_W{1'b0}};
      assign cnt_rd = {CW{1'b0}};
      assign nl_spike = 1'b0;
      assign nl_state1 = {STATE_W{1'b0}};
      assign nl_state2 = {STATE_W{1'b0}};
      assign k_busy = 1'b0;
      assign k_last_ra = {AW{1'b0}};
      assign l_last_rd = 32'd0;
      assign k_syn_ra = {SW{1'b0}};
      assign k_acc_ra = {(DW + NW) {1'b0}};
      assign k_acc_we = 1'b0;
      assign k_acc_wd = {ACC_W{1'b0}};
      assign astro_a = state_rd[31:0];
      assign l_busy = 1'b0;
      assign l_mem_rd = 64'd0;
      assign l_spk_ra = {NW{1'b0}};
      assign l_state_ra = {NW{1'b0}};
      assign l_inq_ra = {QW{1'b0}};
      assign l_axon_ra = {AW{1'b0}};
      assign l_syn_ra = {SW{1'b0}};
      assign l_syn_wa = {SW{1'b0}};
      assign l_syn_we = 1'b0;
      assign l_syn_wd = {SYN_W{1'b0}};
    end
  endgenerate

  // ------------------------------------------------------------------ memory port muxes
  always @(*) begin
    neur_ra = state_r == S_ASTRO ? a_idx_r[NW-1:0] : (state_r == S_NEUR2 ? b_idx_r[NW-1:0] : n_idx_r[NW-1:0]);
    if (state_r == S_GLIO) neur_ra = gl_ph_r == 2'd1 ? tl_rd[2*NW-1:NW] : gl_j_r;
    st_ra = state_r == S_LEARN ? l_state_ra : neur_ra;
    syn_ra = idle ? i_cmd_addr[SW-1:0] : (state_r == S_LEARN ? l_syn_ra : (state_r == S_KERN ? k_syn_ra : s_addr_r));
    state_we = 1'b0;
    state_wa = i_cmd_addr[NW-1:0];
    state_wd = i_cmd_data[STATE_W-1:0];
    ext_we = 1'b0;
    ext_wa = i_cmd_addr[NW-1:0];
    ext_wd = {i_cmd_data[INJ_W], {(XINJ_W - INJ_W) {i_cmd_data[INJ_W-1]}}, i_cmd_data[INJ_W-1:0]};
    acc_we = 1'b0;
    acc_wa = {slot_r, pn_idx_r};
    acc_wd = {ACC_W{1'b0}};
    acc_ra = {slot_r, n_idx_r[NW-1:0]};
    spk_we = 1'b0;
    macc_we = 1'b0;
    macc_wa = acc_wa;
    macc_wd = {ACC_W{1'b0}};
    cnt_we = 1'b0;
    spk_ra = idle ? i_cmd_addr[NW-1:0] :
             (state_r == S_LEARN ? l_spk_ra : (state_r == S_SEND ? tx_i_r[NW-1:0] : ev_i_r[NW-1:0]));
    inq_ra = state_r == S_LEARN ? l_inq_ra : ev_q[QW-1:0];
    axon_ra = state_r == S_LEARN ? l_axon_ra : (f_spk_r ? axbase + {{(AW - NW) {1'b0}}, spk_rd} : inq_rd);
    if (cmd && op == OP_WR_STATE) state_we = 1'b1;
    if (cmd && op == OP_WR_EXT) ext_we = 1'b1;
    case (state_r)
      S_CLEAR: begin
        acc_we = 1'b1;
        acc_wa = {clr_s_r[DW-1:0], clr_n_r[NW-1:0]};
        macc_we = LEARN != 0;
        macc_wa = {clr_s_r[DW-1:0], clr_n_r[NW-1:0]};
        ext_we = clr_s_r == 0;
        ext_wa = clr_n_r[NW-1:0];
        ext_wd = {EXT_W{1'b0}};
      end
      S_NEUR, S_NDRAIN: begin
        state_we = pn_v_r;
        state_wa = pn_idx_r;
        state_wd = is_nl ? nl_state1 : (is_am ? am_state : {1'b0, lif_ref, lif_v, lif_u});
        ext_we = pn_v_r && !is_nl;  // a nalsm_lif compartment keeps its input for NEUR2
        ext_wa = pn_idx_r;
        ext_wd = {EXT_W{1'b0}};
        acc_we = pn_v_r && !is_nl;
        spk_we = pn_v_r && pn_spike;
      end
      S_PROP, S_PDRAIN: begin
        acc_ra = q1_addr;
        acc_we = q2_v_r && !q2_mod_r;
        acc_wa = q2_addr_r;
        acc_wd = q2_sum;
        macc_we = q2_v_r && q2_mod_r;
        macc_wa = q2_addr_r;
        macc_wd = q2_sum;
        cnt_we = q2_v_r;  // amsu counts every delivered synapse, modulated or not
      end
      S_GLIO: begin
        acc_ra = {slot_r, gl_j_r};
        acc_wa = {slot_r, gl_j_r};
        acc_we = gl_ph_r == 2'd3;
        acc_wd = tri_acc;
        macc_we = gl_ph_r == 2'd3;
        macc_wa = {slot_r, gl_j_r};
        ext_we = gl_ph_r == 2'd3;
        ext_wa = gl_j_r;
        ext_wd = {ext_rd[XINJ_W], ext_rd[XINJ_W-1:0] + gl_inj_r};
      end
      S_KERN: begin
        acc_ra = k_acc_ra;
        acc_we = k_acc_we;
        acc_wa = k_acc_ra;
        acc_wd = k_acc_wd;
      end
      S_NEUR2: begin
        acc_ra = {slot_r, b_idx_r[NW-1:0]};
        acc_wa = {slot_r, b_idx_r[NW-1:0]};
        acc_we = b_wr_r && is_nl;
        ext_we = b_wr_r && is_nl;
        ext_wa = b_idx_r[NW-1:0];
        ext_wd = {EXT_W{1'b0}};
        state_we = b_wr_r && is_nl;
        state_wa = b_idx_r[NW-1:0];
        state_wd = nl_state2;
      end
      S_ASTRO: begin
        acc_ra = {slot_nx, a_idx_r[NW-1:0]};
        acc_we = a_wr_r;
        acc_wa = {slot_nx, a_idx_r[NW-1:0]};
        state_we = a_wr_r;
        state_wa = a_idx_r[NW-1:0];
        state_wd = {{(STATE_W - 32) {1'b0}}, is_tri ? tri_ca : astro_a};
      end
      default: ;
    endcase
    // ECNT mirrors ACC writes (0) except in PROP (counts) and GLIO (the slot's count is kept for NEUR)
    if (state_r != S_PROP && state_r != S_PDRAIN && state_r != S_GLIO) cnt_we = acc_we;
  end

  // ------------------------------------------------------------------ next state
  // after PROP: KERN, NEUR2, LEARN, ASTRO, each only when the network has it
  wire [3:0] after_learn = nastro_r != 0 ? S_ASTRO : S_DONE;
  wire [3:0] after_n2 = nplast_r != 0 ? S_LEARN : after_learn;
  wire [3:0] after_kern = nlif2_r ? S_NEUR2 : after_n2;
  always @(*) begin
    state_nx = state_r;
    case (state_r)
      S_IDLE:
      if (cmd && op == OP_STEP) state_nx = glio_on ? S_GLIO : S_NEUR;
      else if (cmd && op == OP_CLEAR) state_nx = (ncomp == 0 || nslot_r == 0) ? S_IDLE : S_CLEAR;
      S_CLEAR: if (clr_last) state_nx = S_IDLE;
      S_GLIO: if (glio_done) state_nx = S_NEUR;
      S_NEUR: if (!n_issue) state_nx = S_NDRAIN;
      S_NDRAIN: state_nx = MESH != 0 ? S_SEND : S_PROP;
      S_SEND: if (tx_i_r >= nspk_r && !tx_v_r) state_nx = S_WAIT;
      S_WAIT: if (i_go) state_nx = S_PROP;
      S_PROP: if (prop_done) state_nx = S_PDRAIN;
      S_PDRAIN:
      if (!q1_v_r && !q2_v_r) state_nx = LEARN == 0 ? S_DONE : (nkproj_r != 0 ? S_KERN : after_kern);
      S_KERN: if (!k_start_r && !k_busy) state_nx = after_kern;
      S_NEUR2: if (b_idx_r >= nneur_r && !b_wr_r) state_nx = after_n2;
      S_LEARN: if (!l_start_r && !l_busy) state_nx = after_learn;
      S_ASTRO: if (astro_done) state_nx = S_DONE;
      S_DONE: state_nx = S_IDLE;
      default: state_nx = S_IDLE;
    endcase
  end

  // ------------------------------------------------------------------ registers
  reg [3:0] rd_op_r;
  reg [63:0] rd_reg_r;
  // capacities for the host: {ACC_W, QW, DW, SW, AW, NW}, 8 bits each
  // and, with the learning engine, PW and TW (0: no learning engine, no astrocyte compartments)
  localparam [7:0] C_ACC = ACC_W, C_QW = QW, C_DW = DW, C_SW = SW, C_AW = AW, C_NW = NW;
  localparam [7:0] C_PW = LEARN != 0 ? PW : 0, C_TW = LEARN != 0 ? TW : 0;
  wire [63:0] caps = {C_TW, C_PW, C_ACC, C_QW, C_DW, C_SW, C_AW, C_NW};
  reg [3:0] rd_sp_r;

  always @(posedge i_clk) begin
    if (i_rst) begin
      state_r <= S_IDLE;
      nneur_r <= 0;
      nastro_r <= 0;
      nplast_r <= 0;
      nkproj_r <= 0;
      nlif2_r <= 1'b0;
      nglio_r <= 0;
      gl_i_r <= 0;
      gl_ph_r <= 2'd0;
      gl_j_r <= 0;
      gl_mod_r <= 1'b0;
      gl_cur_r <= 1'b0;
      gl_last_r <= 1'b0;
      gl_fac_r <= 32'd65536;
      gl_inj_r <= 0;
      q2_mod_r <= 1'b0;
      fw_mod_r <= 1'b0;
      b_idx_r <= 0;
      b_wr_r <= 1'b0;
      k_start_r <= 1'b0;
      a_idx_r <= 0;
      a_wr_r <= 1'b0;
      l_start_r <= 1'b0;
      rd_sp_r <= 4'd0;
      nslot_r <= 0;
      step_r <= 0;
      slot_r <= 0;
      nspk_r <= 0;
      nin_r <= 0;
      cycles_r <= 0;
      lcycles_r <= 0;
      lcyc_cnt_r <= 0;
      lupd_r <= 0;
      lupd_cnt_r <= 0;
      cyc_cnt_r <= 0;
      synev_r <= 0;
      synev_cnt_r <= 0;
      clr_n_r <= 0;
      clr_s_r <= 0;
      n_idx_r <= 0;
      pn_v_r <= 1'b0;
      pn_idx_r <= 0;
      f_state_r <= F_IDLE;
      ev_i_r <= 0;
      f_spk_r <= 1'b0;
      pend_start_r <= 0;
      pend_count_r <= 0;
      s_left_r <= 0;
      s_addr_r <= 0;
      q1_v_r <= 1'b0;
      q2_v_r <= 1'b0;
      q2_addr_r <= 0;
      q2_val_r <= 0;
      fw_v_r <= 1'b0;
      fw_addr_r <= 0;
      fw_data_r <= 0;
      fw_cnt_r <= 0;
      o_rvalid <= 1'b0;
      axbase_r <= 0;
      pcyc_r <= 0;
      pcyc_cnt_r <= 0;
      wcyc_r <= 0;
      wcyc_cnt_r <= 0;
      tx_i_r <= 0;
      tx_v_r <= 1'b0;
      rd_op_r <= OP_NOP;
      rd_reg_r <= 0;
    end else begin
      state_r <= state_nx;
      if (!idle) cyc_cnt_r <= cyc_cnt_r + 1;

      // host commands
      o_rvalid <= cmd && (op == OP_RD_REG || op == OP_RD_STATE || op == OP_RD_SPIKE || op == OP_RD_MEM);
      if (cmd) begin
        rd_op_r <= op;
        rd_sp_r <= i_cmd_addr[31:28];
      end
      if (cmd && op == OP_WR_REG && i_cmd_addr[4:0] == REG_AXBASE) axbase_r <= i_cmd_data[AW-1:0];
      if (cmd && op == OP_WR_REG && i_cmd_addr[4:0] == REG_NGLIO) nglio_r <= i_cmd_data[TW:0];
      if (cmd && op == OP_WR_REG && !i_cmd_addr[4])
        case (i_cmd_addr[3:0])
          REG_NNEUR: nneur_r <= i_cmd_data[NW:0];
          REG_NSLOT: nslot_r <= i_cmd_data[DW:0];
          REG_STEP: step_r <= i_cmd_data[31:0];
          REG_SLOT: slot_r <= i_cmd_data[DW-1:0];
          REG_NIN: nin_r <= i_cmd_data[QW:0];
          REG_NASTRO: nastro_r <= i_cmd_data[NW:0];
          REG_NPLAST: nplast_r <= i_cmd_data[PW:0];
          REG_NKPROJ: nkproj_r <= i_cmd_data[PW:0];
          REG_NLIF2: nlif2_r <= i_cmd_data[0];
          default: ;
        endcase
      if ((cmd && op == OP_IN_SPIKE) || rx_take) nin_r <= nin_r + 1'b1;
      if (cmd && op == OP_RD_REG)
        case (i_cmd_addr[3:0])
          REG_NNEUR: rd_reg_r <= {{(63 - NW) {1'b0}}, nneur_r};
          REG_NSLOT: rd_reg_r <= {{(63 - DW) {1'b0}}, nslot_r};
          REG_STEP: rd_reg_r <= {32'd0, step_r};
          REG_SLOT: rd_reg_r <= {{(64 - DW) {1'b0}}, slot_r};
          REG_NSPK: rd_reg_r <= {{(63 - NW) {1'b0}}, nspk_r};
          REG_NIN: rd_reg_r <= {{(63 - QW) {1'b0}}, nin_r};
          REG_CYCLES: rd_reg_r <= {32'd0, cycles_r};
          REG_SYNEV: rd_reg_r <= {32'd0, synev_r};
          REG_CAPS: rd_reg_r <= caps;
          REG_ID: rd_reg_r <= {32'd0, CORE_ID};
          REG_NASTRO: rd_reg_r <= {{(63 - NW) {1'b0}}, nastro_r};
          REG_NPLAST: rd_reg_r <= {{(63 - PW) {1'b0}}, nplast_r};
          REG_LCYCLES: rd_reg_r <= {32'd0, lcycles_r};
          REG_LUPD: rd_reg_r <= {32'd0, lupd_r};
          REG_NKPROJ: rd_reg_r <= {{(63 - PW) {1'b0}}, nkproj_r};
          REG_NLIF2: rd_reg_r <= {63'd0, nlif2_r};
          default: rd_reg_r <= 64'd0;
        endcase
      if (cmd && op == OP_RD_REG && i_cmd_addr[4])
        case (i_cmd_addr[4:0])
          REG_AXBASE: rd_reg_r <= {{(64 - AW) {1'b0}}, axbase};
          REG_PCYCLES: rd_reg_r <= MESH != 0 ? {32'd0, pcyc_r} : 64'd0;
          REG_WCYCLES: rd_reg_r <= MESH != 0 ? {32'd0, wcyc_r} : 64'd0;
          REG_NGLIO: rd_reg_r <= {{(63 - TW) {1'b0}}, nglio_r};
          default: rd_reg_r <= 64'd0;
        endcase
      if (state_r == S_PROP || state_r == S_PDRAIN) pcyc_cnt_r <= pcyc_cnt_r + 1;
      if (state_r == S_WAIT) wcyc_cnt_r <= wcyc_cnt_r + 1;
      if (cmd && op == OP_STEP) begin
        pcyc_cnt_r <= 0;
        wcyc_cnt_r <= 0;
        n_idx_r <= 0;
        nspk_r <= 0;
        cyc_cnt_r <= 0;
        synev_cnt_r <= 0;
        lcyc_cnt_r <= 0;
        lupd_cnt_r <= 0;
      end
      if (cmd && op == OP_STEP) begin
        gl_i_r <= 0;
        gl_ph_r <= 2'd0;
        gl_fac_r <= 32'd65536;
        gl_inj_r <= 0;
      end
      // GLIO: entry read, element read, fold (and target read after the last entry), target write
      if (state_r == S_GLIO)
        case (gl_ph_r)
          2'd0: gl_ph_r <= 2'd1;
          2'd1: begin
            gl_j_r <= tl_rd[NW-1:0];
            gl_mod_r <= tl_rd[2*NW];
            gl_cur_r <= tl_rd[2*NW+1];
            gl_last_r <= tl_rd[2*NW+2];
            gl_ph_r <= 2'd2;
          end
          2'd2: begin
            if (gl_mod_r) gl_fac_r <= tri_factor;
            if (gl_cur_r) gl_inj_r <= gl_inj_r + tri_cur;
            if (gl_last_r) gl_ph_r <= 2'd3;
            else begin
              gl_ph_r <= 2'd0;
              gl_i_r <= gl_i_r + 1'b1;
            end
          end
          default: begin
            gl_fac_r <= 32'd65536;
            gl_inj_r <= 0;
            gl_i_r <= gl_i_r + 1'b1;
            gl_ph_r <= 2'd0;
          end
        endcase
      if (cmd && op == OP_CLEAR) begin
        clr_n_r <= 0;
        clr_s_r <= 0;
      end

      // CLEAR sweep: neuron-major within a slot
      if (state_r == S_CLEAR) begin
        if (clr_n_r + 1'b1 >= ncomp) begin
          clr_n_r <= 0;
          clr_s_r <= clr_s_r + 1'b1;
        end else clr_n_r <= clr_n_r + 1'b1;
      end

      // NEUR pipeline
      pn_v_r <= n_issue;
      pn_idx_r <= n_idx_r[NW-1:0];
      if (n_issue) n_idx_r <= n_idx_r + 1'b1;
      if (pn_v_r && pn_spike) nspk_r <= nspk_r + 1'b1;
      // SEND: one spike-list entry per handshake (a read cycle, then offered until taken)
      if (state_r == S_NDRAIN) begin
        tx_i_r <= 0;
        tx_v_r <= 1'b0;
      end else if (state_r == S_SEND) begin
        if (tx_v_r && i_tx_ready) begin
          tx_v_r <= 1'b0;
          tx_i_r <= tx_i_r + 1'b1;
        end else if (!tx_v_r && tx_i_r < nspk_r) tx_v_r <= 1'b1;
      end
      if (state_r == S_NDRAIN) begin
        a_idx_r <= nneur_r;
        a_wr_r <= 1'b0;
        ev_i_r <= 0;
        f_state_r <= F_IDLE;
        s_left_r <= 0;
      end

      // PROP: fetcher
      if (state_r == S_PROP) begin
        if (f_issue) begin
          ev_i_r <= ev_i_r + 1'b1;
          f_spk_r <= ev_is_spk;
          f_state_r <= F_EV;
        end else if (take) f_state_r <= F_IDLE;
        else if (f_state_r == F_EV) f_state_r <= F_AX;
        else if (f_state_r == F_AX) begin
          pend_start_r <= axon_rd[SW-1:0];
          pend_count_r <= axon_rd[2*SW:SW];
          f_state_r <= F_HOLD;
        end
        // streamer
        if (take) begin
          s_addr_r <= pend_start_r;
          s_left_r <= pend_count_r;
        end else if (syn_re) begin
          s_addr_r <= s_addr_r + 1'b1;
          s_left_r <= s_left_r - 1'b1;
        end
      end
      // accumulate pipeline
      q1_v_r <= state_r == S_PROP && syn_re;
      q2_v_r <= q1_v_r && !(LEARN != 0 && syn_rd[KBIT]);
      q2_mod_r <= LEARN != 0 && syn_rd[MBIT];
      fw_mod_r <= q2_mod_r;
      q2_addr_r <= q1_addr;
      q2_val_r <= q1_val;
      fw_v_r <= q2_v_r;
      fw_addr_r <= q2_addr_r;
      fw_data_r <= q2_sum;
      fw_cnt_r <= q2_cnt;
      if (q2_v_r) synev_cnt_r <= synev_cnt_r + 1;

      // LEARN: one start pulse; ASTRO: read, then write back, per astrocyte compartment
      l_start_r <= state_r != S_LEARN && state_nx == S_LEARN;
      k_start_r <= state_r != S_KERN && state_nx == S_KERN;
      if (state_r == S_NDRAIN) begin
        b_idx_r <= 0;
        b_wr_r <= 1'b0;
      end
      if (state_r == S_NEUR2) begin
        if (b_wr_r) begin
          b_idx_r <= b_idx_r + 1'b1;
          b_wr_r <= 1'b0;
        end else if (b_idx_r < nneur_r) b_wr_r <= 1'b1;
      end
      if (state_r == S_ASTRO) begin
        if (a_wr_r) begin
          a_idx_r <= a_idx_r + 1'b1;
          a_wr_r <= 1'b0;
        end else if (a_idx_r < ncomp) a_wr_r <= 1'b1;
      end

      if (state_r == S_LEARN || state_r == S_ASTRO || state_r == S_KERN || state_r == S_NEUR2 || state_r == S_GLIO)
        lcyc_cnt_r <= lcyc_cnt_r + 1;
      if (l_syn_we) lupd_cnt_r <= lupd_cnt_r + 1;

      if (state_r == S_DONE) begin
        step_r <= step_r + 1;
        slot_r <= {1'b0, slot_r} + 1'b1 >= nslot_r ? {DW{1'b0}} : slot_r + 1'b1;
        nin_r <= 0;
        cycles_r <= cyc_cnt_r + 1;
        pcyc_r <= pcyc_cnt_r;
        wcyc_r <= wcyc_cnt_r;
        synev_r <= synev_cnt_r;
        lcycles_r <= lcyc_cnt_r;
        lupd_r <= lupd_cnt_r;
      end
    end
  end

  assign o_rdata = rd_op_r == OP_RD_STATE ? {{(64 - STATE_W) {1'b0}}, state_rd} :
                   rd_op_r == OP_RD_SPIKE ? {{(64 - NW) {1'b0}}, spk_rd} :
                   rd_op_r == OP_RD_MEM ? (rd_sp_r == SP_SYN ? {{(64 - SYN_W) {1'b0}}, syn_rd} :
                                           (rd_sp_r >= SP_AMSU ? am_mem_rd : l_mem_rd)) :
                   rd_reg_r;
endmodule

`default_nettype wire
