// astro_mesh.v — MESH_X x MESH_Y accelerator cores (astro_core.v, MESH = 1, LEARN by default) on a 2-D mesh of routers
// (astro_router.v), one host command bus, and the global step barrier (docs/accelerator.md, "Mesh").
//
// Core c sits at (x, y) = (c mod MESH_X, c div MESH_X). A command goes to core i_cmd_core, or to every
// core when i_cmd_core = 8'hff (writes, STEP, CLEAR). The bus is ready when every core is idle, so a
// broadcast STEP starts all cores in the same cycle. WR_ROUTE (op 15) writes the route table of core
// i_cmd_core's router: ROUTE[addr] = data (destination-core mask of local compartment addr). RD_REG to
// 8'hff reads the mesh registers: 0 ID "MSH1" | MESH_X << 32 | MESH_Y << 40, 1 packets injected,
// 2 link hops (both cumulative since reset).
//
// Barrier: a core that has sent its step's spikes waits (o_wait); when every core waits and every router
// is empty, i_go releases all of them into PROP in the same cycle. No packet of step t is still in
// flight, and every input queue is complete, before any core delivers step t's events.
`default_nettype none

module astro_mesh #(
`ifdef ASTRO_PARAMS
`include "astro_params.vh"
`else
    parameter MESH_X = 2,
    parameter MESH_Y = 2,
    parameter NW = 10,
    parameter AW = 12,
    parameter SW = 16,
    parameter DW = 6,
    parameter QW = 12,
    parameter ACC_W = 40,
    parameter INJ_W = 32,
    parameter LEARN = 1,  // 1: every core has the learning engine (stdp across cores; docs/accelerator.md)
    parameter PW = 4,
    parameter TW = 12
`endif
) (
    input  wire        i_clk,
    input  wire        i_rst,
    input  wire        i_cmd_valid,
    input  wire [ 7:0] i_cmd_core,
    input  wire [ 3:0] i_cmd_op,
    input  wire [31:0] i_cmd_addr,
    input  wire [63:0] i_cmd_data,
    output wire        o_cmd_ready,
    output wire        o_rvalid,
    output wire [63:0] o_rdata
);
  localparam NC = MESH_X * MESH_Y;
  localparam PKT = AW + 8;
  localparam [3:0] OP_RD_REG = 4'd10, OP_WR_ROUTE = 4'd15;
  localparam [31:0] MESH_ID = 32'h4d534831;  // "MSH1"

  reg [1:0] rst_sync_r;
  always @(posedge i_clk) rst_sync_r <= {rst_sync_r[0], i_rst};
  wire rst = rst_sync_r[1];

  wire [NC-1:0] ready, rvalid, wait_, idle, tx_valid, tx_ready, ej_valid, ej_ready;
  wire [64*NC-1:0] rdata;
  wire [NW*NC-1:0] tx_id;
  wire [AW*NC-1:0] tx_axon, ej_axon;
  wire [32*NC-1:0] npkt, nhop;
  // links: out_*[c] leaves core c towards E, W, N, S (index 0..3); in_*[c] enters core c from E, W, N, S
  wire [4*NC-1:0] out_v, out_r, in_v, in_r;
  wire [4*PKT*NC-1:0] out_p, in_p;

  wire all_ready = &ready;
  wire bcast = i_cmd_core == 8'hff;
  wire take = i_cmd_valid && all_ready;
  reg go_r;

  genvar g;
  generate
    for (g = 0; g < NC; g = g + 1) begin : g_core
      localparam X = g % MESH_X, Y = g / MESH_X;
      wire sel = bcast || i_cmd_core == g;
      astro_core #(
          .NW(NW), .AW(AW), .SW(SW), .DW(DW), .QW(QW), .ACC_W(ACC_W), .INJ_W(INJ_W), .LEARN(LEARN), .PW(PW), .TW(TW),
          .MESH(1)
      ) u_core (
          .i_clk(i_clk), .i_rst(rst), .i_cmd_valid(i_cmd_valid && sel && i_cmd_op != OP_WR_ROUTE),
          .i_cmd_op(i_cmd_op), .i_cmd_addr(i_cmd_addr), .i_cmd_data(i_cmd_data), .o_cmd_ready(ready[g]),
          .o_rvalid(rvalid[g]), .o_rdata(rdata[64*g+:64]), .o_tx_valid(tx_valid[g]), .o_tx_id(tx_id[NW*g+:NW]),
          .o_tx_axon(tx_axon[AW*g+:AW]), .i_tx_ready(tx_ready[g]), .i_rx_valid(ej_valid[g]),
          .i_rx_axon(ej_axon[AW*g+:AW]), .o_rx_ready(ej_ready[g]), .o_wait(wait_[g]), .i_go(go_r));
      astro_router #(.X(X), .Y(Y), .MESH_X(MESH_X), .MESH_Y(MESH_Y), .NW(NW), .AW(AW)) u_router (
          .i_clk(i_clk), .i_rst(rst), .i_rt_we(take && !bcast && i_cmd_core == g && i_cmd_op == OP_WR_ROUTE),
          .i_rt_addr(i_cmd_addr[NW-1:0]), .i_rt_data(i_cmd_data[NC-1:0]), .i_tx_valid(tx_valid[g]),
          .i_tx_id(tx_id[NW*g+:NW]), .i_tx_axon(tx_axon[AW*g+:AW]), .o_tx_ready(tx_ready[g]),
          .o_ej_valid(ej_valid[g]), .o_ej_axon(ej_axon[AW*g+:AW]), .i_ej_ready(ej_ready[g]),
          .i_lk_valid(in_v[4*g+:4]), .i_lk_pkt(in_p[4*PKT*g+:4*PKT]), .o_lk_ready(in_r[4*g+:4]),
          .o_lk_valid(out_v[4*g+:4]), .o_lk_pkt(out_p[4*PKT*g+:4*PKT]), .i_lk_ready(out_r[4*g+:4]),
          .o_idle(idle[g]), .o_npkt(npkt[32*g+:32]), .o_nhop(nhop[32*g+:32]));
      // from E = the east neighbour's W output; from W = the west one's E output; N, S likewise
      if (X + 1 < MESH_X) begin : g_e
        assign in_v[4*g+0] = out_v[4*(g+1)+1];
        assign in_p[4*PKT*g+0*PKT+:PKT] = out_p[4*PKT*(g+1)+1*PKT+:PKT];
        assign out_r[4*g+0] = in_r[4*(g+1)+1];
      end else begin : g_e_edge
        assign in_v[4*g+0] = 1'b0;
        assign in_p[4*PKT*g+0*PKT+:PKT] = {PKT{1'b0}};
        assign out_r[4*g+0] = 1'b0;
      end
      if (X > 0) begin : g_w
        assign in_v[4*g+1] = out_v[4*(g-1)+0];
        assign in_p[4*PKT*g+1*PKT+:PKT] = out_p[4*PKT*(g-1)+0*PKT+:PKT];
        assign out_r[4*g+1] = in_r[4*(g-1)+0];
      end else begin : g_w_edge
        assign in_v[4*g+1] = 1'b0;
        assign in_p[4*PKT*g+1*PKT+:PKT] = {PKT{1'b0}};
        assign out_r[4*g+1] = 1'b0;
      end
      if (Y + 1 < MESH_Y) begin : g_n
        assign in_v[4*g+2] = out_v[4*(g+MESH_X)+3];
        assign in_p[4*PKT*g+2*PKT+:PKT] = out_p[4*PKT*(g+MESH_X)+3*PKT+:PKT];
        assign out_r[4*g+2] = in_r[4*(g+MESH_X)+3];
      end else begin : g_n_edge
        assign in_v[4*g+2] = 1'b0;
        assign in_p[4*PKT*g+2*PKT+:PKT] = {PKT{1'b0}};
        assign out_r[4*g+2] = 1'b0;
      end
      if (Y > 0) begin : g_s
        assign in_v[4*g+3] = out_v[4*(g-MESH_X)+2];
        assign in_p[4*PKT*g+3*PKT+:PKT] = out_p[4*PKT*(g-MESH_X)+2*PKT+:PKT];
        assign out_r[4*g+3] = in_r[4*(g-MESH_X)+2];
      end else begin : g_s_edge
        assign in_v[4*g+3] = 1'b0;
        assign in_p[4*PKT*g+3*PKT+:PKT] = {PKT{1'b0}};
        assign out_r[4*g+3] = 1'b0;
      end
    end
  endgenerate

  // barrier: one go pulse when every core waits and the mesh is empty
  always @(posedge i_clk)
    if (rst) go_r <= 1'b0;
    else go_r <= !go_r && &wait_ && &idle;

  // totals over the routers, and the read-back mux (the core addressed in the read's cycle)
  reg [31:0] pkt_sum, hop_sum;
  integer c;
  always @(*) begin
    pkt_sum = 32'd0;
    hop_sum = 32'd0;
    for (c = 0; c < NC; c = c + 1) begin
      pkt_sum = pkt_sum + npkt[32*c+:32];
      hop_sum = hop_sum + nhop[32*c+:32];
    end
  end
  reg [7:0] rd_core_r;
  reg m_rvalid_r;
  reg [63:0] m_rdata_r;
  localparam [7:0] C_MX = MESH_X, C_MY = MESH_Y;
  always @(posedge i_clk) begin
    if (rst) begin
      rd_core_r <= 8'd0;
      m_rvalid_r <= 1'b0;
      m_rdata_r <= 64'd0;
    end else begin
      m_rvalid_r <= take && bcast && i_cmd_op == OP_RD_REG;
      if (take) rd_core_r <= i_cmd_core;
      if (take && bcast && i_cmd_op == OP_RD_REG)
        case (i_cmd_addr[1:0])
          2'd0: m_rdata_r <= {16'd0, C_MY, C_MX, MESH_ID};
          2'd1: m_rdata_r <= {32'd0, pkt_sum};
          2'd2: m_rdata_r <= {32'd0, hop_sum};
          default: m_rdata_r <= 64'd0;
        endcase
    end
  end
  wire [NC-1:0] rsel;
  generate
    for (g = 0; g < NC; g = g + 1) begin : g_rsel
      assign rsel[g] = rd_core_r == g;
    end
  endgenerate
  reg [63:0] core_rdata;
  always @(*) begin
    core_rdata = 64'd0;
    for (c = 0; c < NC; c = c + 1)
      if (rsel[c]) core_rdata = rdata[64*c+:64];
  end
  assign o_cmd_ready = all_ready;
  assign o_rvalid = rd_core_r == 8'hff ? m_rvalid_r : |(rvalid & rsel);
  assign o_rdata = rd_core_r == 8'hff ? m_rdata_r : core_rdata;
endmodule

`default_nettype wire
