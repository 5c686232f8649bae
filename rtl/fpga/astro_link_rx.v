// astro_link_rx.v — receiving side of the host link (docs/fpga.md, "Frames"): hunts for the start
// byte, reads length, sequence number and type, stores the payload in a block RAM and checks the
// CRC-16. A frame is reported either good (o_ok) or bad (o_bad: CRC mismatch, a length above the
// buffer, or silence of TIMEOUT cycles in the middle of a frame); then the receiver hunts again. While
// i_block is high (a frame is being executed or answered) every byte is ignored, so the payload the
// executor reads never changes under it.
//
//   0xA5 | len[7:0] | len[15:8] | seq | type | payload (len bytes) | crc[15:8] | crc[7:0]
//          \------------------ CRC-16 over these bytes ------------/
`default_nettype none

module astro_link_rx #(
    parameter BW = 9,           // payload buffer: 2^BW bytes
    parameter TIMEOUT = 100000  // cycles of silence that abandon a partial frame
) (
    input  wire          i_clk,
    input  wire          i_rst,
    input  wire          i_valid,
    input  wire [   7:0] i_byte,
    input  wire          i_block,
    output reg           o_ok,
    output reg           o_bad,
    output reg  [  15:0] o_len,
    output reg  [   7:0] o_seq,
    output reg  [   7:0] o_type,
    input  wire [BW-1:0] i_raddr,  // payload read port (synchronous, one cycle)
    output wire [   7:0] o_rdata
);
  localparam [7:0] SOF = 8'hA5;
  localparam [2:0] S_SOF = 3'd0, S_LEN0 = 3'd1, S_LEN1 = 3'd2, S_SEQ = 3'd3, S_TYPE = 3'd4, S_PAY = 3'd5,
      S_CRC0 = 3'd6, S_CRC1 = 3'd7;
  localparam TW = $clog2(TIMEOUT + 1);
  localparam [TW-1:0] TMAX = TIMEOUT[TW-1:0];

  reg [2:0] state_r;
  reg [15:0] crc_r;
  reg [7:0] crc_hi_r;
  reg [15:0] idx_r;
  reg [TW-1:0] quiet_r;
  wire [15:0] crc_nx;
  wire take = i_valid && !i_block;

  astro_crc16 u_crc (.i_crc(crc_r), .i_byte(i_byte), .o_crc(crc_nx));
  astro_ram #(.AW(BW), .DW(8)) u_buf (
      .i_clk(i_clk), .i_we(take && state_r == S_PAY), .i_waddr(idx_r[BW-1:0]), .i_wdata(i_byte), .i_re(1'b1),
      .i_raddr(i_raddr), .o_rdata(o_rdata));

  always @(posedge i_clk) begin
    o_ok  <= 1'b0;
    o_bad <= 1'b0;
    if (i_rst) begin
      state_r <= S_SOF;
      crc_r <= 16'hffff;
      crc_hi_r <= 8'd0;
      idx_r <= 16'd0;
      quiet_r <= 0;
      o_len <= 16'd0;
      o_seq <= 8'd0;
      o_type <= 8'd0;
    end else if (take) begin
      quiet_r <= 0;
      if (state_r != S_SOF && state_r != S_CRC0 && state_r != S_CRC1) crc_r <= crc_nx;
      case (state_r)
        S_SOF:
        if (i_byte == SOF) begin
          state_r <= S_LEN0;
          crc_r <= 16'hffff;
        end
        S_LEN0: begin
          o_len[7:0] <= i_byte;
          state_r <= S_LEN1;
        end
        S_LEN1: begin
          o_len[15:8] <= i_byte;
          if ({i_byte, o_len[7:0]} > (16'd1 << BW)) begin
            o_bad <= 1'b1;
            state_r <= S_SOF;
          end else state_r <= S_SEQ;
        end
        S_SEQ: begin
          o_seq <= i_byte;
          state_r <= S_TYPE;
        end
        S_TYPE: begin
          o_type <= i_byte;
          idx_r <= 16'd0;
          state_r <= o_len == 16'd0 ? S_CRC0 : S_PAY;
        end
        S_PAY: begin
          idx_r <= idx_r + 1'b1;
          if (idx_r + 1'b1 == o_len) state_r <= S_CRC0;
        end
        S_CRC0: begin
          crc_hi_r <= i_byte;
          state_r <= S_CRC1;
        end
        S_CRC1: begin
          o_ok <= {crc_hi_r, i_byte} == crc_r;
          o_bad <= {crc_hi_r, i_byte} != crc_r;
          state_r <= S_SOF;
        end
        default: state_r <= S_SOF;
      endcase
    end else if (state_r != S_SOF) begin
      if (quiet_r == TMAX) begin
        o_bad <= 1'b1;
        state_r <= S_SOF;
        quiet_r <= 0;
      end else quiet_r <= quiet_r + 1'b1;
    end
  end
endmodule

`default_nettype wire
