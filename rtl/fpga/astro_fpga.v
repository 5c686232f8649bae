// astro_fpga.v — the board-independent FPGA top: UART receiver and transmitter, the host link
// (astro_link) and one accelerator core (astro_top), on one clock. Board tops (astro_board_*.v) add
// the clock (PLL) and power-on reset; the Verilator board simulation (sim/astro_board_sim.cpp) drives
// this module's pins directly.
//
// Core parameters default to the iCEBreaker build (docs/fpga.md, "Capacity"): 128 compartments, 16384
// axons and synapses (SPRAM), delays 0..15, 256 input events per step, 24-bit accumulators. The core
// needs DW >= 4 and QW >= NW; NW + DW <= 11 keeps the accumulators in block RAM (astro_ram_ice40.v).
`default_nettype none

module astro_fpga #(
    parameter DIV = 104,         // clock cycles per UART bit
    parameter TIMEOUT = 100000,  // cycles of silence that abandon a partial frame
    parameter NW = 7,
    parameter AW = 14,
    parameter SW = 14,
    parameter DW = 4,
    parameter QW = 8,
    parameter ACC_W = 24,
    parameter INJ_W = 32
) (
    input  wire i_clk,
    input  wire i_rst,       // asynchronous, active high; synchronised here
    input  wire i_uart_rx,
    output wire o_uart_tx,
    output wire o_busy       // a frame is being executed or answered (an LED on boards)
);
  reg [1:0] rst_sync_r;
  always @(posedge i_clk) rst_sync_r <= {rst_sync_r[0], i_rst};
  wire rst = rst_sync_r[1];

  wire rx_valid;
  wire [7:0] rx_byte;
  wire tx_valid, tx_ready;
  wire [7:0] tx_byte;
  astro_uart_rx #(.DIV(DIV)) u_urx (
      .i_clk(i_clk), .i_rst(rst), .i_rx(i_uart_rx), .o_valid(rx_valid), .o_byte(rx_byte));
  astro_uart_tx #(.DIV(DIV)) u_utx (
      .i_clk(i_clk), .i_rst(rst), .i_valid(tx_valid), .i_byte(tx_byte), .o_ready(tx_ready), .o_tx(o_uart_tx));

  wire cmd_valid, cmd_ready, rvalid;
  wire [3:0] cmd_op;
  wire [31:0] cmd_addr;
  wire [63:0] cmd_data, rdata;
  astro_link #(.NW(NW), .RXB(9), .TXB(9), .TIMEOUT(TIMEOUT)) u_link (
      .i_clk(i_clk), .i_rst(rst), .i_rx_valid(rx_valid), .i_rx_byte(rx_byte), .o_tx_valid(tx_valid),
      .o_tx_byte(tx_byte), .i_tx_ready(tx_ready), .o_cmd_valid(cmd_valid), .o_cmd_op(cmd_op),
      .o_cmd_addr(cmd_addr), .o_cmd_data(cmd_data), .i_cmd_ready(cmd_ready), .i_rvalid(rvalid),
      .i_rdata(rdata));
  assign o_busy = tx_valid || cmd_valid || !cmd_ready;

  astro_top #(.NW(NW), .AW(AW), .SW(SW), .DW(DW), .QW(QW), .ACC_W(ACC_W), .INJ_W(INJ_W)) u_top (
      .i_clk(i_clk), .i_rst(i_rst), .i_cmd_valid(cmd_valid), .i_cmd_op(cmd_op), .i_cmd_addr(cmd_addr),
      .i_cmd_data(cmd_data), .o_cmd_ready(cmd_ready), .o_rvalid(rvalid), .o_rdata(rdata));
endmodule

`default_nettype wire
