// astro_uart_rx.v — UART receiver, 8 data bits, no parity, 1 stop bit (8N1), LSB first, at a fixed
// baud of clk / DIV. The line is synchronised with two flops; a start bit is confirmed in its middle,
// each data bit is sampled in its middle, and a byte whose stop bit is low (a framing error) is dropped.
`default_nettype none

module astro_uart_rx #(
    parameter DIV = 104  // clock cycles per bit (>= 4)
) (
    input  wire       i_clk,
    input  wire       i_rst,
    input  wire       i_rx,
    output reg        o_valid,  // one cycle: o_byte holds a received byte
    output reg  [7:0] o_byte
);
  localparam CW = $clog2(DIV + 1);
  localparam [1:0] S_IDLE = 2'd0, S_START = 2'd1, S_DATA = 2'd2, S_STOP = 2'd3;

  reg [1:0] sync_r;
  reg [1:0] state_r;
  reg [CW-1:0] cnt_r;
  reg [2:0] bit_r;
  wire rx = sync_r[1];
  localparam [CW-1:0] HALF = DIV[CW-1:0] / 2 - 1'b1;
  localparam [CW-1:0] FULL = DIV[CW-1:0] - 1'b1;

  always @(posedge i_clk) begin
    sync_r <= {sync_r[0], i_rx};
    o_valid <= 1'b0;
    if (i_rst) begin
      sync_r <= 2'b11;
      state_r <= S_IDLE;
      cnt_r <= 0;
      bit_r <= 0;
      o_byte <= 8'd0;
    end else begin
      case (state_r)
        S_IDLE:
        if (!rx) begin
          state_r <= S_START;
          cnt_r <= HALF;
        end
        S_START:
        if (cnt_r != 0) cnt_r <= cnt_r - 1'b1;
        else if (rx) state_r <= S_IDLE;  // a glitch, not a start bit
        else begin
          state_r <= S_DATA;
          cnt_r <= FULL;
          bit_r <= 0;
        end
        S_DATA:
        if (cnt_r != 0) cnt_r <= cnt_r - 1'b1;
        else begin
          o_byte <= {rx, o_byte[7:1]};
          cnt_r <= FULL;
          bit_r <= bit_r + 1'b1;
          if (bit_r == 3'd7) state_r <= S_STOP;
        end
        S_STOP:
        if (cnt_r != 0) cnt_r <= cnt_r - 1'b1;
        else begin
          o_valid <= rx;
          state_r <= S_IDLE;
        end
        default: state_r <= S_IDLE;
      endcase
    end
  end
endmodule

`default_nettype wire
