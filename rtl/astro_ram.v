// astro_ram.v — the one memory primitive of the accelerator: a simple dual-port RAM (one synchronous
// write port, one synchronous read port). Every memory of the core goes through it so the FPGA and
// simulation models can differ in one place.
//
// Read-during-write to the same address returns the OLD word (the core forwards around it). There is
// no reset: contents are undefined until written (the core's CLEAR command zeroes what must start at 0).
`default_nettype none

module astro_ram #(
    parameter AW = 8,  // address bits
    parameter DW = 16  // data bits
) (
    input  wire          i_clk,
    input  wire          i_we,
    input  wire [AW-1:0] i_waddr,
    input  wire [DW-1:0] i_wdata,
    input  wire          i_re,
    input  wire [AW-1:0] i_raddr,
    output reg  [DW-1:0] o_rdata
);
  reg [DW-1:0] mem_r[0:(1<<AW)-1];

  always @(posedge i_clk) begin
    if (i_we) mem_r[i_waddr] <= i_wdata;
    if (i_re) o_rdata <= mem_r[i_raddr];
  end
endmodule

`default_nettype wire
