// astro_uart_tx.v — UART transmitter, 8N1, LSB first, at a fixed baud of clk / DIV. Takes a byte when
// i_valid && o_ready; the line idles high.
`default_nettype none

module astro_uart_tx #(
    parameter DIV = 104  // clock cycles per bit
) (
    input  wire       i_clk,
    input  wire       i_rst,
    input  wire       i_valid,
    input  wire [7:0] i_byte,
    output wire       o_ready,
    output wire       o_tx
);
  localparam CW = $clog2(DIV + 1);
  reg [9:0] shift_r;  // stop 1 | data 8 | start 0, shifted out LSB first
  reg [3:0] left_r;   // bits still to send
  reg [CW-1:0] cnt_r;
  localparam [CW-1:0] FULL = DIV[CW-1:0] - 1'b1;

  assign o_ready = left_r == 0;
  assign o_tx = left_r == 0 ? 1'b1 : shift_r[0];

  always @(posedge i_clk) begin
    if (i_rst) begin
      shift_r <= 10'h3ff;
      left_r <= 0;
      cnt_r <= 0;
    end else if (left_r == 0) begin
      if (i_valid) begin
        shift_r <= {1'b1, i_byte, 1'b0};
        left_r <= 4'd10;
        cnt_r <= FULL;
      end
    end else if (cnt_r != 0) cnt_r <= cnt_r - 1'b1;
    else begin
      shift_r <= {1'b1, shift_r[9:1]};
      left_r <= left_r - 1'b1;
      cnt_r <= FULL;
    end
  end
endmodule

`default_nettype wire
