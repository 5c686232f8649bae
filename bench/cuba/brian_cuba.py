#!/usr/bin/python3
# brian_cuba.py — the CUBA benchmark (Brette et al. 2007) in Brian2 C++ standalone, the peer of
# bench_cuba.c. Prints one line: "brian2 <threads> <sim_s> <loop_s> <spikes>", where loop_s is the
# simulation loop only (Brian2's own timer, results/last_run_info.txt; compilation excluded).
# Usage: brian_cuba.py SIM_SECONDS THREADS WORKDIR
import sys, warnings
warnings.filterwarnings('ignore')
from brian2 import *

sim_s, threads, workdir = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
set_device('cpp_standalone', directory=workdir)
if threads > 1:
    prefs.devices.cpp_standalone.openmp_threads = threads
defaultclock.dt = 0.1 * ms
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = '''
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
'''
P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5 * ms, method='exact')
P.v = 'Vr + rand() * (Vt - Vr)'
P.ge = 0 * mV
P.gi = 0 * mV
we = (60 * 0.27 / 10) * mV  # 1.62 mV
wi = (-20 * 4.5 / 10) * mV  # -9 mV
Ce = Synapses(P, P, on_pre='ge += we')
Ci = Synapses(P, P, on_pre='gi += wi')
Ce.connect('i<3200', p=0.02)
Ci.connect('i>=3200', p=0.02)
s_mon = SpikeMonitor(P)
run(sim_s * second)
print('brian2 %d %g %.6f %d %d' % (threads, sim_s, device._last_run_time, s_mon.num_spikes,
                                   len(Ce) + len(Ci)))
