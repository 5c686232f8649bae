// astro_link_tx.v — sending side of the host link: holds the response payload in a block RAM (the
// executor writes it) and sends it as one frame, CRC-16 computed on the way out (framing as in
// astro_link_rx.v). The payload stays in the buffer after sending, so the same response can be sent
// again when the host repeats a frame whose answer it did not receive.
`default_nettype none

module astro_link_tx #(
    parameter BW = 10  // payload buffer: 2^BW bytes
) (
    input  wire          i_clk,
    input  wire          i_rst,
    input  wire          i_we,     // payload write port
    input  wire [BW-1:0] i_waddr,
    input  wire [   7:0] i_wdata,
    input  wire          i_start,  // send a frame of i_len payload bytes (ignored while busy)
    input  wire [  15:0] i_len,
    input  wire [   7:0] i_seq,
    input  wire [   7:0] i_type,
    output wire          o_busy,
    output wire          o_valid,  // byte stream to the UART
    output reg  [   7:0] o_byte,
    input  wire          i_ready
);
  localparam [3:0] T_IDLE = 4'd0, T_SOF = 4'd1, T_LEN0 = 4'd2, T_LEN1 = 4'd3, T_SEQ = 4'd4, T_TYPE = 4'd5,
      T_PAY = 4'd6, T_CRC0 = 4'd7, T_CRC1 = 4'd8;

  reg [3:0] state_r;
  reg [15:0] len_r, idx_r, crc_r;
  reg [7:0] seq_r, type_r;
  wire [7:0] pay_rd;
  wire [15:0] crc_nx;
  wire send = o_valid && i_ready;
  wire [15:0] idx_nx = state_r == T_PAY && send ? idx_r + 1'b1 : idx_r;

  assign o_busy = state_r != T_IDLE;
  assign o_valid = state_r != T_IDLE;

  astro_crc16 u_crc (.i_crc(crc_r), .i_byte(o_byte), .o_crc(crc_nx));
  astro_ram #(.AW(BW), .DW(8)) u_buf (
      .i_clk(i_clk), .i_we(i_we), .i_waddr(i_waddr), .i_wdata(i_wdata), .i_re(1'b1),
      .i_raddr(idx_nx[BW-1:0]), .o_rdata(pay_rd));

  always @(*) begin
    case (state_r)
      T_SOF: o_byte = 8'hA5;
      T_LEN0: o_byte = len_r[7:0];
      T_LEN1: o_byte = len_r[15:8];
      T_SEQ: o_byte = seq_r;
      T_TYPE: o_byte = type_r;
      T_PAY: o_byte = pay_rd;
      T_CRC0: o_byte = crc_r[15:8];
      T_CRC1: o_byte = crc_r[7:0];
      default: o_byte = 8'hff;
    endcase
  end

  always @(posedge i_clk) begin
    if (i_rst) begin
      state_r <= T_IDLE;
      len_r <= 16'd0;
      idx_r <= 16'd0;
      crc_r <= 16'hffff;
      seq_r <= 8'd0;
      type_r <= 8'd0;
    end else if (state_r == T_IDLE) begin
      if (i_start) begin
        state_r <= T_SOF;
        len_r <= i_len;
        seq_r <= i_seq;
        type_r <= i_type;
        idx_r <= 16'd0;
        crc_r <= 16'hffff;
      end
    end else if (send) begin
      if (state_r != T_SOF && state_r != T_CRC0 && state_r != T_CRC1) crc_r <= crc_nx;
      idx_r <= idx_nx;
      case (state_r)
        T_SOF: state_r <= T_LEN0;
        T_LEN0: state_r <= T_LEN1;
        T_LEN1: state_r <= T_SEQ;
        T_SEQ: state_r <= T_TYPE;
        T_TYPE: state_r <= len_r == 16'd0 ? T_CRC0 : T_PAY;
        T_PAY: if (idx_r + 1'b1 == len_r) state_r <= T_CRC0;
        T_CRC0: state_r <= T_CRC1;
        T_CRC1: state_r <= T_IDLE;
        default: state_r <= T_IDLE;
      endcase
    end
  end
endmodule

`default_nettype wire
