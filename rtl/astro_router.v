// astro_router.v — the router of one mesh core (astro_mesh.v): turns the core's spikes into packets
// with its route table, forwards packets dimension-ordered (X first, then Y) to the four neighbours,
// and ejects packets addressed to its core into that core's input queue.
//
// Packet (AW + 8 bits): {dst_y 4, dst_x 4, axon AW}. The axon is the source neuron's global axon id
// (source core's AXBASE + local id); the destination core's axon table maps it to the fan-out list of
// its local targets. ROUTE[local id] is a mask of destination cores (bit c = core c = y * MESH_X + x),
// written by the host (WR_ROUTE); the injector sends one unicast packet per set bit, lowest core first.
//
// Ports 0..4: input 0 = injector, 1..4 = from the E, W, N, S neighbour; output 0 = eject, 1..4 = to
// E, W, N, S (N is +y). Each input has a two-entry FIFO; each output grants one input per cycle,
// rotating priority. XY routing on a mesh has no cyclic channel dependency, so it cannot deadlock.
`default_nettype none

module astro_router #(
    parameter X = 0,
    parameter Y = 0,
    parameter MESH_X = 2,
    parameter MESH_Y = 2,
    parameter NW = 10,
    parameter AW = 12,
    parameter NC = MESH_X * MESH_Y,  // cores (bits of a route mask)
    parameter PW_ = AW + 8           // packet bits
) (
    input  wire            i_clk,
    input  wire            i_rst,
    // route table (host)
    input  wire            i_rt_we,
    input  wire [  NW-1:0] i_rt_addr,
    input  wire [  NC-1:0] i_rt_data,
    // the core's spikes
    input  wire            i_tx_valid,
    input  wire [  NW-1:0] i_tx_id,
    input  wire [  AW-1:0] i_tx_axon,
    output wire            o_tx_ready,
    // packets for the core
    output wire            o_ej_valid,
    output wire [  AW-1:0] o_ej_axon,
    input  wire            i_ej_ready,
    // links, index 0..3 = E, W, N, S
    input  wire [     3:0] i_lk_valid,
    input  wire [4*PW_-1:0] i_lk_pkt,
    output wire [     3:0] o_lk_ready,
    output wire [     3:0] o_lk_valid,
    output wire [4*PW_-1:0] o_lk_pkt,
    input  wire [     3:0] i_lk_ready,
    output wire            o_idle,     // no packet inside, injector idle
    output reg  [    31:0] o_npkt,     // packets injected (cumulative)
    output reg  [    31:0] o_nhop      // link traversals out of this router (cumulative)
);
  // ------------------------------------------------------------------ route table and injector
  localparam [1:0] I_IDLE = 2'd0, I_READ = 2'd1, I_SEND = 2'd2;
  reg [1:0] inj_r;
  reg [NC-1:0] mask_r;
  reg [AW-1:0] axon_r;
  wire [NC-1:0] rt_rd;
  astro_ram #(.AW(NW), .DW(NC)) u_route (
      .i_clk(i_clk), .i_we(i_rt_we), .i_waddr(i_rt_addr), .i_wdata(i_rt_data), .i_re(1'b1),
      .i_raddr(i_tx_id), .o_rdata(rt_rd));

  // lowest destination core of the mask, as (x, y)
  reg [3:0] dx, dy;
  reg [NC-1:0] low;
  integer cx, cy;
  always @(*) begin
    dx = 4'd0;
    dy = 4'd0;
    low = {NC{1'b0}};
    for (cy = MESH_Y - 1; cy >= 0; cy = cy - 1)
      for (cx = MESH_X - 1; cx >= 0; cx = cx - 1)
        if (mask_r[cy*MESH_X+cx]) begin
          dx = cx[3:0];
          dy = cy[3:0];
          low = {NC{1'b0}};
          low[cy*MESH_X+cx] = 1'b1;
        end
  end

  wire in0_ready;
  wire inj_push = inj_r == I_SEND && mask_r != 0 && in0_ready;
  assign o_tx_ready = inj_r == I_SEND && mask_r == 0;

  // ------------------------------------------------------------------ input buffers
  wire [4:0] hv;           // head valid
  wire [5*PW_-1:0] hp;     // head packets
  wire [4:0] in_ready, in_empty;
  reg [4:0] pop;
  wire [4:0] in_push = {i_lk_valid & o_lk_ready, inj_push};
  wire [5*PW_-1:0] in_data = {i_lk_pkt, dy, dx, axon_r};
  assign in0_ready = in_ready[0];
  assign o_lk_ready = in_ready[4:1];
  genvar g;
  generate
    for (g = 0; g < 5; g = g + 1) begin : g_in
      astro_fifo #(.W(PW_)) u_fifo (
          .i_clk(i_clk), .i_rst(i_rst), .i_push(in_push[g]), .i_data(in_data[g*PW_+:PW_]),
          .o_ready(in_ready[g]), .i_pop(pop[g]), .o_valid(hv[g]), .o_data(hp[g*PW_+:PW_]),
          .o_empty(in_empty[g]));
    end
  endgenerate

  // ------------------------------------------------------------------ XY route and arbitration
  reg [2:0] dir[0:4];  // output wanted by each head: 0 eject, 1 E, 2 W, 3 N, 4 S
  reg [2:0] rr_r;      // input with the highest priority this cycle
  reg [4:0] ovalid;
  reg [2:0] grant[0:4];
  wire [4:0] oready = {i_lk_ready, i_ej_ready};
  integer i, o, k;
  reg [3:0] s;
  always @(*) begin
    for (i = 0; i < 5; i = i + 1) begin
      if (hp[i*PW_+AW+:4] > X[3:0]) dir[i] = 3'd1;
      else if (hp[i*PW_+AW+:4] < X[3:0]) dir[i] = 3'd2;
      else if (hp[i*PW_+AW+4+:4] > Y[3:0]) dir[i] = 3'd3;
      else if (hp[i*PW_+AW+4+:4] < Y[3:0]) dir[i] = 3'd4;
      else dir[i] = 3'd0;
    end
    pop = 5'd0;
    for (o = 0; o < 5; o = o + 1) begin
      ovalid[o] = 1'b0;
      grant[o] = 3'd0;
      for (k = 4; k >= 0; k = k - 1) begin  // the last match in this order is the first from rr_r
        s = {1'b0, rr_r} + k[3:0];
        if (s >= 4'd5) s = s - 4'd5;
        if (hv[s[2:0]] && dir[s[2:0]] == o[2:0]) begin
          ovalid[o] = 1'b1;
          grant[o] = s[2:0];
        end
      end
      if (ovalid[o] && oready[o]) pop[grant[o]] = 1'b1;
    end
  end

  assign o_ej_valid = ovalid[0];
  assign o_ej_axon = hp[grant[0]*PW_+:AW];
  generate
    for (g = 0; g < 4; g = g + 1) begin : g_out
      assign o_lk_valid[g] = ovalid[g+1];
      assign o_lk_pkt[g*PW_+:PW_] = hp[grant[g+1]*PW_+:PW_];
    end
  endgenerate
  assign o_idle = inj_r == I_IDLE && &in_empty;

  wire [2:0] nhops = {2'b00, ovalid[1] & oready[1]} + {2'b00, ovalid[2] & oready[2]} +
                     {2'b00, ovalid[3] & oready[3]} + {2'b00, ovalid[4] & oready[4]};

  always @(posedge i_clk) begin
    if (i_rst) begin
      inj_r <= I_IDLE;
      mask_r <= {NC{1'b0}};
      axon_r <= {AW{1'b0}};
      rr_r <= 3'd0;
      o_npkt <= 32'd0;
      o_nhop <= 32'd0;
    end else begin
      rr_r <= rr_r == 3'd4 ? 3'd0 : rr_r + 3'd1;
      o_nhop <= o_nhop + {29'd0, nhops};
      case (inj_r)
        I_IDLE:
        if (i_tx_valid) begin
          axon_r <= i_tx_axon;
          inj_r <= I_READ;
        end
        I_READ: begin  // ROUTE[i_tx_id] is on rt_rd (the core holds its tx word until acknowledged)
          mask_r <= rt_rd;
          inj_r <= I_SEND;
        end
        I_SEND:
        if (mask_r == 0) inj_r <= I_IDLE;
        else if (inj_push) begin
          mask_r <= mask_r & ~low;
          o_npkt <= o_npkt + 32'd1;
        end
        default: inj_r <= I_IDLE;
      endcase
    end
  end
endmodule

`default_nettype wire
