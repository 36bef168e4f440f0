# Runs on the emulated ESP8266 (tests/board/smoke.py checks the printed values).
import gc
import sys
import time
import lx106

print("arith", 1 + 2 * 3, 2**64 + 1, 7 // 2, -7 % 3, int("-123") * 3)
print("platform", sys.platform)
gc.collect()
free = gc.mem_free()
alloc = gc.mem_alloc()
print("heap", free + alloc, free > 30000)
a = time.ticks_cpu()
b = time.ticks_cpu()
print("ticks_cpu_delta_small", 0 < time.ticks_diff(b, a) < 1000)
# 2,000,000 instructions (1,000,000 x a 2-instruction loop) = 80,000 CCOUNT ticks + call overhead.
d = []
for i in range(3):
    a = time.ticks_cpu()
    lx106.spin(1000000)
    b = time.ticks_cpu()
    d.append(time.ticks_diff(b, a))
print("spin_deltas", d[1:])
t0 = time.ticks_ms()
time.sleep_ms(250)
print("sleep_ms", 250 <= time.ticks_diff(time.ticks_ms(), t0) < 260)
# GC under pressure: survivors must stay intact across many collections.
keep = {}
for i in range(400):
    keep[i % 50] = [str(i) * 3, i * 12345678901234567890, bytes(i % 97)]
    if i % 40 == 0:
        gc.collect()
ok = all(keep[k][1] % 12345678901234567890 == 0 and keep[k][0] == str(keep[k][1] // 12345678901234567890) * 3 for k in keep)
print("gc_stress", ok, len(keep))
del keep
gc.collect()
print("stack_peak", 0 < lx106.stack_peak() <= lx106.STACK_SIZE, lx106.STACK_SIZE, lx106.HEAP_SIZE)
