// astro_top.v — the accelerator's top level: synchronises the reset once and instantiates one core.
// Parameters come from the generated astro_params.vh when ASTRO_PARAMS is defined (FPGA builds of one
// network); the defaults are the capacity of the Verilator model the rtl engine links.
`default_nettype none

module astro_top #(
`ifdef ASTRO_PARAMS
`include "astro_params.vh"
`else
    parameter NW = 12,
    parameter AW = 13,
    parameter SW = 18,
    parameter DW = 6,
    parameter QW = 13,
    parameter ACC_W = 40,
    parameter INJ_W = 32
`endif
    ,  // (astro_params.vh ends without a comma)
    // Not in astro_params.vh: the learning engine and astrocyte compartments are a build choice
    // (-GLEARN=1 for Verilator, chparam -set LEARN 1 for yosys). The rtl engine's model has LEARN = 1.
    parameter LEARN = 0,
    parameter PW = 4,
    parameter TW = 14
) (
    input  wire        i_clk,
    input  wire        i_rst,
    input  wire        i_cmd_valid,
    input  wire [ 3:0] i_cmd_op,
    input  wire [31:0] i_cmd_addr,
    input  wire [63:0] i_cmd_data,
    output wire        o_cmd_ready,
    output wire        o_rvalid,
    output wire [63:0] o_rdata
);
  // Two-flop synchroniser; the core sees a synchronous, active-high reset.
  reg [1:0] rst_sync_r;
  always @(posedge i_clk) rst_sync_r <= {rst_sync_r[0], i_rst};

  // a single core: its mesh ports (astro_mesh.v) are tied off
  wire [NW+AW+2:0] mesh_unused;
  astro_core #(
      .NW(NW), .AW(AW), .SW(SW), .DW(DW), .QW(QW), .ACC_W(ACC_W), .INJ_W(INJ_W), .LEARN(LEARN), .PW(PW),
      .TW(TW)
  ) u_core (
      .i_clk(i_clk), .i_rst(rst_sync_r[1]), .i_cmd_valid(i_cmd_valid), .i_cmd_op(i_cmd_op),
      .i_cmd_addr(i_cmd_addr), .i_cmd_data(i_cmd_data), .o_cmd_ready(o_cmd_ready), .o_rvalid(o_rvalid),
      .o_rdata(o_rdata), .o_tx_valid(mesh_unused[0]), .o_tx_id(mesh_unused[NW:1]),
      .o_tx_axon(mesh_unused[NW+AW:NW+1]), .i_tx_ready(1'b0), .i_rx_valid(1'b0), .i_rx_axon({AW{1'b0}}),
      .o_rx_ready(mesh_unused[NW+AW+1]), .o_wait(mesh_unused[NW+AW+2]), .i_go(1'b0));
endmodule

`default_nettype wire
