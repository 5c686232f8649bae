// astro_fifo.v — a two-entry first-in first-out buffer of the mesh routers (astro_router.v): one link
// packet in and one out per cycle. `o_ready` depends on the stored count only, so a router's
// decision to send never waits on a combinational path through its neighbour.
`default_nettype none

module astro_fifo #(
    parameter W = 16  // packet bits
) (
    input  wire         i_clk,
    input  wire         i_rst,
    input  wire         i_push,  // only when o_ready
    input  wire [W-1:0] i_data,
    output wire         o_ready,
    input  wire         i_pop,   // only when o_valid
    output wire         o_valid,
    output wire [W-1:0] o_data,
    output wire         o_empty
);
  reg [W-1:0] d0_r, d1_r;  // d0 is the head
  reg [1:0] cnt_r;

  assign o_ready = cnt_r != 2'd2;
  assign o_valid = cnt_r != 2'd0;
  assign o_empty = cnt_r == 2'd0;
  assign o_data = d0_r;

  always @(posedge i_clk) begin
    if (i_rst) begin
      cnt_r <= 2'd0;
      d0_r <= {W{1'b0}};
      d1_r <= {W{1'b0}};
    end else begin
      case ({i_push, i_pop})
        2'b10: begin
          if (cnt_r == 2'd0) d0_r <= i_data;
          else d1_r <= i_data;
          cnt_r <= cnt_r + 2'd1;
        end
        2'b01: begin
          d0_r <= d1_r;
          cnt_r <= cnt_r - 2'd1;
        end
        // push and pop: the count is 1 (a full buffer is never pushed, o_ready; an empty one never
        // popped), so the new packet becomes the head
        2'b11: d0_r <= i_data;
        default: ;
      endcase
    end
  end
endmodule

`default_nettype wire
