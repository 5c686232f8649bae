// astro_link.v — the board side of the host link (docs/fpga.md has the protocol): receives frames
// (astro_link_rx), executes the link instructions of a DATA frame on the core's host command bus,
// builds the response in the transmit buffer and sends it (astro_link_tx).
//
// Reliability: stop-and-wait with 8-bit sequence numbers. A DATA frame whose sequence number equals
// the last one executed is a repeat (the host did not get the answer): the stored response is sent
// again and nothing is executed twice. A bad frame (CRC, length, timeout) is answered with NAK. SYNC
// resets the sequence and answers the buffer sizes, which is the host's flow-control window.
//
// Link instructions (payload of a DATA frame; v = LEB128 varint, little-endian 7-bit groups):
//   0x00..0x0F op, v addr, v data       one core command; RD_* append v(result) to the response
//   0x10 v K                           K steps without inputs
//   0x11 v n_ext, n_ext x (v compartment, v ext word), v n_in, n_in x v delta   one step with inputs:
//                                       WR_EXT each, IN_SPIKE axon (running sum of deltas), STEP
// Every step appends its spike record: v n, then n deltas of the ascending compartment ids (the first
// from 0); an empty step adds nothing at once, a run of r empty steps is written "0, v r" before the
// next record or at the end of the response. Response: status (0 done, 1 stopped early for lack of
// buffer room: the remaining steps must be sent again, 2 malformed payload), steps executed (16 bits,
// little-endian), then the records and read results in instruction order.
`default_nettype none

module astro_link #(
    parameter NW = 8,            // core compartment address bits (bounds one step's spike record)
    parameter RXB = 9,           // receive buffer 2^RXB bytes
    parameter TXB = 10,          // transmit buffer 2^TXB bytes
    parameter TIMEOUT = 100000   // cycles of silence that abandon a partial frame
) (
    input  wire        i_clk,
    input  wire        i_rst,
    input  wire        i_rx_valid,
    input  wire [ 7:0] i_rx_byte,
    output wire        o_tx_valid,
    output wire [ 7:0] o_tx_byte,
    input  wire        i_tx_ready,
    output wire        o_cmd_valid,
    output reg  [ 3:0] o_cmd_op,
    output reg  [31:0] o_cmd_addr,
    output wire [63:0] o_cmd_data,
    input  wire        i_cmd_ready,
    input  wire        i_rvalid,
    input  wire [63:0] i_rdata
);
  localparam [7:0] T_DATA = 8'h01, T_SYNC = 8'h03, T_ACK = 8'h81, T_NAK = 8'h82;
  localparam [3:0] OP_IN_SPIKE = 4'd7, OP_STEP = 4'd8, OP_WR_EXT = 4'd6, OP_RD_REG = 4'd10, OP_RD_SPIKE = 4'd12;
  localparam [31:0] REG_NSPK = 32'd4;
  localparam [15:0] TXCAP = 16'd1 << TXB;
  // Largest spike record of one step plus a flushed run of empty steps: n <= 2^NW ids whose deltas sum
  // below 2^NW, so at most 2^NW / 128 of them take two bytes; count and run take at most 3 bytes each.
  localparam [15:0] WORST = (16'd1 << NW) + ((16'd1 << NW) >> 7) + 16'd8;
  localparam [15:0] RD_WORST = 16'd10;  // one 64-bit read result

  localparam [4:0] X_IDLE = 5'd0, X_INS = 5'd1, X_VAR = 5'd2, X_EM = 5'd3, X_CMD = 5'd4, X_RWAIT = 5'd5,
      X_GA = 5'd6, X_GD = 5'd7, X_GR = 5'd8, X_KS = 5'd9, X_KLOOP = 5'd10, X_KDEC = 5'd11, X_NEXT = 5'd12,
      X_ELOOP = 5'd13, X_EA = 5'd14, X_ED = 5'd15, X_EDEC = 5'd16, X_NIN = 5'd17, X_ILOOP = 5'd18,
      X_IA = 5'd19, X_SDONE = 5'd20, X_R0 = 5'd21, X_R1 = 5'd22, X_R2 = 5'd23, X_R3 = 5'd24, X_R4 = 5'd25,
      X_R5 = 5'd26, X_FIN = 5'd27, X_FIN2 = 5'd28, X_HDR = 5'd29, X_SEND = 5'd30, X_SYNC = 5'd31;

  reg [4:0] state_r, ret_v_r, ret_e_r, ret_c_r, ret_s_r;

  // ------------------------------------------------------------------ receive and transmit framers
  wire rx_ok, rx_bad;
  wire [15:0] rx_len;
  wire [7:0] rx_seq, rx_type, b;
  wire tx_busy;
  reg [15:0] rp_r, wp_r;
  wire consume = (state_r == X_INS || state_r == X_VAR) && rp_r != rx_len;
  wire [15:0] rp_nx = state_r == X_IDLE ? 16'd0 : consume ? rp_r + 1'b1 : rp_r;

  astro_link_rx #(.BW(RXB), .TIMEOUT(TIMEOUT)) u_rx (
      .i_clk(i_clk), .i_rst(i_rst), .i_valid(i_rx_valid), .i_byte(i_rx_byte),
      .i_block(state_r != X_IDLE || tx_busy), .o_ok(rx_ok), .o_bad(rx_bad), .o_len(rx_len), .o_seq(rx_seq),
      .o_type(rx_type), .i_raddr(rp_nx[RXB-1:0]), .o_rdata(b));

  reg tx_we;
  reg [TXB-1:0] tx_wa;
  reg [7:0] tx_wd;
  reg tx_start_r, tx_nak_r;
  reg [15:0] resp_len_r;
  reg [7:0] last_seq_r, nak_seq_r;
  reg last_valid_r;
  astro_link_tx #(.BW(TXB)) u_tx (
      .i_clk(i_clk), .i_rst(i_rst), .i_we(tx_we), .i_waddr(tx_wa), .i_wdata(tx_wd), .i_start(tx_start_r),
      .i_len(tx_nak_r ? 16'd0 : resp_len_r), .i_seq(tx_nak_r ? nak_seq_r : last_seq_r),
      .i_type(tx_nak_r ? T_NAK : T_ACK), .o_busy(tx_busy), .o_valid(o_tx_valid), .o_byte(o_tx_byte),
      .i_ready(i_tx_ready));

  // ------------------------------------------------------------------ executor registers
  reg [69:0] val_r;   // varint being read: ten 7-bit groups
  reg [3:0] vk_r;
  reg [63:0] em_r;    // value being emitted; also receives a read result
  reg [31:0] cnt_r, axon_r;
  reg [15:0] nspk_r, q_r, prev_r, empties_r, steps_r;
  reg [1:0] status_r;
  reg [1:0] hdr_r;
  wire is_read = o_cmd_op == OP_RD_REG || o_cmd_op == 4'd11 || o_cmd_op == OP_RD_SPIKE;
  wire room_step = TXCAP - wp_r >= WORST;
  wire room_read = TXCAP - wp_r >= RD_WORST;
  wire em_more = em_r[63:7] != 57'd0;

  assign o_cmd_valid = state_r == X_CMD;
  assign o_cmd_data = val_r[63:0];  // the data operand just read (WR_*, IN_SPIKE); reads ignore it

  always @(*) begin
    tx_we = 1'b0;
    tx_wa = wp_r[TXB-1:0];
    tx_wd = {em_more, em_r[6:0]};
    if (state_r == X_EM && wp_r != TXCAP) tx_we = 1'b1;
    if (state_r == X_HDR) begin
      tx_we = 1'b1;
      tx_wa = {{(TXB - 2) {1'b0}}, hdr_r};
      tx_wd = hdr_r == 2'd0 ? {6'd0, status_r} : hdr_r == 2'd1 ? steps_r[7:0] : steps_r[15:8];
    end
  end

  always @(posedge i_clk) begin
    tx_start_r <= 1'b0;
    if (i_rst) begin
      state_r <= X_IDLE;
      ret_v_r <= X_IDLE;
      ret_e_r <= X_IDLE;
      ret_c_r <= X_IDLE;
      ret_s_r <= X_IDLE;
      rp_r <= 16'd0;
      wp_r <= 16'd0;
      tx_nak_r <= 1'b0;
      resp_len_r <= 16'd0;
      last_seq_r <= 8'd0;
      nak_seq_r <= 8'd0;
      last_valid_r <= 1'b0;
      val_r <= 70'd0;
      vk_r <= 4'd0;
      em_r <= 64'd0;
      cnt_r <= 32'd0;
      axon_r <= 32'd0;
      nspk_r <= 16'd0;
      q_r <= 16'd0;
      prev_r <= 16'd0;
      empties_r <= 16'd0;
      steps_r <= 16'd0;
      status_r <= 2'd0;
      hdr_r <= 2'd0;
      o_cmd_op <= 4'd0;
      o_cmd_addr <= 32'd0;
    end else begin
      rp_r <= rp_nx;
      case (state_r)
        // ---------------------------------------------------------- dispatch a received frame
        X_IDLE:
        if (!tx_busy && !tx_start_r) begin
          if (rx_bad) begin
            tx_nak_r <= 1'b1;
            nak_seq_r <= rx_seq;
            tx_start_r <= 1'b1;
          end else if (rx_ok && rx_type == T_SYNC) begin
            last_seq_r <= rx_seq;
            last_valid_r <= 1'b1;
            wp_r <= 16'd0;
            em_r <= 64'd1 << RXB;
            ret_e_r <= X_SYNC;
            hdr_r <= 2'd0;
            state_r <= X_EM;
          end else if (rx_ok && rx_type == T_DATA && last_valid_r && rx_seq == last_seq_r) state_r <= X_SEND;
          else if (rx_ok && rx_type == T_DATA) begin
            last_seq_r <= rx_seq;
            last_valid_r <= 1'b1;
            wp_r <= 16'd3;
            steps_r <= 16'd0;
            empties_r <= 16'd0;
            status_r <= 2'd0;
            state_r <= X_INS;
          end else if (rx_ok) begin
            tx_nak_r <= 1'b1;
            nak_seq_r <= rx_seq;
            tx_start_r <= 1'b1;
          end
        end
        X_SYNC: begin  // SYNC answer: v rx buffer, v tx buffer, v worst step record
          hdr_r <= hdr_r + 1'b1;
          em_r <= hdr_r == 2'd0 ? {48'd0, TXCAP} : {48'd0, WORST};
          state_r <= X_EM;
          if (hdr_r == 2'd1) ret_e_r <= X_SEND;
        end
        // ---------------------------------------------------------- subroutines
        X_VAR:  // read one varint into val_r, then return to ret_v_r
        if (rp_r == rx_len || (vk_r == 4'd9 && b[7])) begin
          status_r <= 2'd2;
          state_r <= X_FIN;
        end else begin
          val_r[vk_r*7+:7] <= b[6:0];
          vk_r <= vk_r + 1'b1;
          if (!b[7]) state_r <= ret_v_r;
        end
        X_EM:  // write em_r as a varint at wp_r, then return to ret_e_r
        if (wp_r == TXCAP) begin
          status_r <= 2'd2;
          state_r <= X_HDR;
          hdr_r <= 2'd0;
        end else begin
          wp_r <= wp_r + 1'b1;
          em_r <= em_r >> 7;
          if (!em_more) state_r <= ret_e_r;
        end
        X_CMD:  // o_cmd_* on the bus until accepted; reads wait for the answer
        if (i_cmd_ready) state_r <= is_read ? X_RWAIT : ret_c_r;
        X_RWAIT:
        if (i_rvalid) begin
          em_r <= i_rdata;
          state_r <= ret_c_r;
        end
        // ---------------------------------------------------------- instructions
        X_INS:
        if (rp_r == rx_len) state_r <= X_FIN;
        else begin
          val_r <= 70'd0;
          vk_r <= 4'd0;
          if (b[7:4] == 4'd0) begin
            o_cmd_op <= b[3:0];
            ret_v_r <= X_GA;
            state_r <= X_VAR;
          end else if (b == 8'h10) begin
            ret_v_r <= X_KS;
            state_r <= X_VAR;
          end else if (b == 8'h11 && !room_step) begin
            status_r <= 2'd1;
            state_r <= X_FIN;
          end else if (b == 8'h11) begin
            ret_v_r <= X_NEXT;
            state_r <= X_VAR;
          end else begin
            status_r <= 2'd2;
            state_r <= X_FIN;
          end
        end
        X_GA: begin
          o_cmd_addr <= val_r[31:0];
          val_r <= 70'd0;
          vk_r <= 4'd0;
          ret_v_r <= X_GD;
          state_r <= X_VAR;
        end
        X_GD: begin
          ret_c_r <= X_GR;
          if (is_read && !room_read) begin
            status_r <= 2'd2;
            state_r <= X_FIN;
          end else state_r <= X_CMD;
        end
        X_GR:
        if (is_read) begin  // em_r holds the result
          ret_e_r <= X_INS;
          state_r <= X_EM;
        end else state_r <= X_INS;
        // K empty steps
        X_KS: begin
          cnt_r <= val_r[31:0];
          state_r <= X_KLOOP;
        end
        X_KLOOP:
        if (cnt_r == 32'd0) state_r <= X_INS;
        else if (!room_step) begin
          status_r <= 2'd1;
          state_r <= X_FIN;
        end else begin
          o_cmd_op <= OP_STEP;
          ret_c_r <= X_R0;
          ret_s_r <= X_KDEC;
          state_r <= X_CMD;
        end
        X_KDEC: begin
          cnt_r <= cnt_r - 1'b1;
          steps_r <= steps_r + 1'b1;
          state_r <= X_KLOOP;
        end
        // one step with inputs
        X_NEXT: begin
          cnt_r <= val_r[31:0];
          state_r <= X_ELOOP;
        end
        X_ELOOP: begin
          val_r <= 70'd0;
          vk_r <= 4'd0;
          ret_v_r <= cnt_r == 32'd0 ? X_NIN : X_EA;
          state_r <= X_VAR;
        end
        X_EA: begin
          o_cmd_addr <= val_r[31:0];
          val_r <= 70'd0;
          vk_r <= 4'd0;
          ret_v_r <= X_ED;
          state_r <= X_VAR;
        end
        X_ED: begin
          o_cmd_op <= OP_WR_EXT;
          ret_c_r <= X_EDEC;
          state_r <= X_CMD;
        end
        X_EDEC: begin
          cnt_r <= cnt_r - 1'b1;
          state_r <= X_ELOOP;
        end
        X_NIN: begin
          cnt_r <= val_r[31:0];
          axon_r <= 32'd0;
          state_r <= X_ILOOP;
        end
        X_ILOOP: begin
          val_r <= 70'd0;
          vk_r <= 4'd0;
          if (cnt_r == 32'd0) begin
            o_cmd_op <= OP_STEP;
            ret_c_r <= X_R0;
            ret_s_r <= X_SDONE;
            state_r <= X_CMD;
          end else begin
            ret_v_r <= X_IA;
            state_r <= X_VAR;
          end
        end
        X_IA: begin
          axon_r <= axon_r + val_r[31:0];
          val_r <= {38'd0, axon_r + val_r[31:0]};  // the command's data
          o_cmd_op <= OP_IN_SPIKE;
          cnt_r <= cnt_r - 1'b1;
          ret_c_r <= X_ILOOP;
          state_r <= X_CMD;
        end
        X_SDONE: begin
          steps_r <= steps_r + 1'b1;
          state_r <= X_INS;
        end
        // ---------------------------------------------------------- spike record of the last step
        X_R0: begin
          o_cmd_op <= OP_RD_REG;
          o_cmd_addr <= REG_NSPK;
          ret_c_r <= X_R1;
          state_r <= X_CMD;
        end
        X_R1: begin
          nspk_r <= em_r[15:0];
          q_r <= 16'd0;
          prev_r <= 16'd0;
          if (em_r[15:0] == 16'd0) begin
            empties_r <= empties_r + 1'b1;
            state_r <= ret_s_r;
          end else if (empties_r != 16'd0) begin
            em_r <= 64'd0;
            ret_e_r <= X_R2;
            state_r <= X_EM;
          end else state_r <= X_R3;
        end
        X_R2: begin
          em_r <= {48'd0, empties_r};
          empties_r <= 16'd0;
          ret_e_r <= X_R3;
          state_r <= X_EM;
        end
        X_R3: begin
          em_r <= {48'd0, nspk_r};
          ret_e_r <= X_R4;
          state_r <= X_EM;
        end
        X_R4:
        if (q_r == nspk_r) state_r <= ret_s_r;
        else begin
          o_cmd_op <= OP_RD_SPIKE;
          o_cmd_addr <= {16'd0, q_r};
          ret_c_r <= X_R5;
          state_r <= X_CMD;
        end
        X_R5: begin
          em_r <= {48'd0, em_r[15:0] - prev_r};
          prev_r <= em_r[15:0];
          q_r <= q_r + 1'b1;
          ret_e_r <= X_R4;
          state_r <= X_EM;
        end
        // ---------------------------------------------------------- close the response
        X_FIN:
        if (empties_r != 16'd0 && status_r != 2'd2) begin
          em_r <= 64'd0;
          ret_e_r <= X_FIN2;
          state_r <= X_EM;
        end else begin
          hdr_r <= 2'd0;
          state_r <= X_HDR;
        end
        X_FIN2: begin
          em_r <= {48'd0, empties_r};
          empties_r <= 16'd0;
          ret_e_r <= X_FIN;
          state_r <= X_EM;
        end
        X_HDR: begin
          hdr_r <= hdr_r + 1'b1;
          if (hdr_r == 2'd2) state_r <= X_SEND;
        end
        X_SEND: begin
          resp_len_r <= wp_r;
          tx_nak_r <= 1'b0;
          tx_start_r <= 1'b1;
          state_r <= X_IDLE;
        end
        default: state_r <= X_IDLE;
      endcase
    end
  end
endmodule

`default_nettype wire
