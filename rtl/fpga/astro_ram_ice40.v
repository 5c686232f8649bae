// astro_ram_ice40.v — the iCE40 model of astro_ram (rtl/astro_ram.v): FPGA builds read this file
// instead of rtl/astro_ram.v, so the core keeps one memory primitive and the board picks its cells.
//
// Memories of 2^SPRAM_AW words or more (the core's SYN and AXON lists at the board's parameters) are
// single-ported, so that yosys `synth_ice40 -spram` maps them to SB_SPRAM256KA (16384 x 16 bits each):
// one address (the write address on a write cycle, else the read address) and no read on a write cycle.
// That differs from astro_ram only when a read and a write of such a memory happen in the same cycle;
// the core writes SYN and AXON only from host commands while idle and reads them only in the PROP
// phase, so it never does. rtl/fpga/astro_fpga_caps.vh keeps every other memory below SPRAM_AW
// (synth_check.sh and `astroc synth` check that), where this model is astro_ram exactly (block RAM,
// old data on a read-during-write).
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
  localparam SPRAM_AW = 12;
  reg [DW-1:0] mem_r[0:(1<<AW)-1];

  generate
    if (AW >= SPRAM_AW) begin : g_single
      wire [AW-1:0] addr = i_we ? i_waddr : i_raddr;
      always @(posedge i_clk) begin
        if (i_we) mem_r[addr] <= i_wdata;
        else if (i_re) o_rdata <= mem_r[addr];
      end
    end else begin : g_dual
      always @(posedge i_clk) begin
        if (i_we) mem_r[i_waddr] <= i_wdata;
        if (i_re) o_rdata <= mem_r[i_raddr];
      end
    end
  endgenerate
endmodule

`default_nettype wire
