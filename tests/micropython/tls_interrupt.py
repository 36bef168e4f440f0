# Ctrl-C in the middle of a handshake (host port only: tls_interrupt.host.exp): the server at
# INTERRUPT_PORT reads the ClientHello, stays silent and sends SIGINT to this process, which
# sits in the handshake's recv. KeyboardInterrupt must come out of wrap_socket, the engine
# left behind must go back to the heap (its finaliser), and TLS must work afterwards.
try:
    TLS_PORT
except NameError:
    from tls_test_config import *
import gc
import socket
import ussl

ROUNDS = 5


def interrupted():
    s = tcp(INTERRUPT_PORT)
    try:
        ussl.wrap_socket(s, server_hostname=SERVER_NAME)
        return "handshake finished"
    except KeyboardInterrupt:
        return "KeyboardInterrupt"
    except OSError as e:
        return "OSError " + str(e)
    finally:
        s.close()


def run():
    first = interrupted()  # may grow interpreter tables for good
    gc.collect()
    base = gc.mem_free()
    n = 0  # a count, not a list: nothing new may stay allocated after the baseline
    for _ in range(ROUNDS):
        if interrupted() == "KeyboardInterrupt":
            n += 1
    gc.collect()
    return first, n, base, gc.mem_free()


first, n, base, after = run()
print("first:", first)
print("then:", n, "of", ROUNDS, "interrupted")
print("mem_free back at its baseline:", after >= base)
if after < base:
    print("baseline", base, "after", after)
ss = ussl.wrap_socket(tcp(TLS_PORT), server_hostname=SERVER_NAME)
print("afterwards:", get_on(ss))
ss.close()
