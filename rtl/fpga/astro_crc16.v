// astro_crc16.v — one byte of CRC-16/CCITT-FALSE (polynomial 0x1021, MSB first, initial value 0xFFFF,
// no final XOR), combinational: o_crc = crc(i_crc, i_byte). The host's runtime/serial_link.c computes
// the same function; "123456789" gives 0x29B1.
`default_nettype none

module astro_crc16 (
    input  wire [15:0] i_crc,
    input  wire [ 7:0] i_byte,
    output reg  [15:0] o_crc
);
  integer i;
  always @(*) begin
    o_crc = i_crc ^ {i_byte, 8'h00};
    for (i = 0; i < 8; i = i + 1) o_crc = o_crc[15] ? {o_crc[14:0], 1'b0} ^ 16'h1021 : {o_crc[14:0], 1'b0};
  end
endmodule

`default_nettype wire
