# Helpers the TLS test scripts share. The runner puts this file, after the generated server
# ports and CA bytes, in front of every script (the board has no filesystem to import from).


def _set_clock():
    # Boards without an RTC start with the clock "not set" (certificate verification then
    # fails with "clock not set"): set it from the host's time, as ntptime would.
    try:
        import lx106
    except ImportError:
        return
    lx106.set_time(HOST_TIME)


_set_clock()


def tcp(port):
    import gc, socket
    gc.collect()  # the emulated ESP8266 has a 38 KiB heap: connect on an unfragmented one
    s = socket.socket()
    s.connect(socket.getaddrinfo(HOST, port)[0][-1])
    return s


def get_on(ss):
    # One HTTP GET on a connected TLS socket; returns the status line and closes.
    ss.write(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    status = ss.readline()
    ss.close()
    return status


def status(ident):
    # Asks the Python TLS server how the connection tagged `ident` was closed.
    import ussl
    ss = ussl.wrap_socket(tcp(PY_TLS_PORT), server_hostname=SERVER_NAME)
    ss.write(b"STATUS " + ident + b"\n")
    line = ss.readline()
    ss.close()
    return line


def pattern_ok(data, start):
    # The Python TLS server's DATA command sends bytes (start + i) % 251.
    for i in range(len(data)):
        if data[i] != (start + i) % 251:
            return False
    return True


def try_call(label, f, *args, **kw):
    try:
        r = f(*args, **kw)
        print(label, "->", r)
        return r
    except Exception as e:
        print(label, type(e).__name__)


def os_error(label, e):
    code = e.args[0]
    text = e.args[1] if len(e.args) == 2 and isinstance(e.args[1], str) else ""
    print(label, "OSError", code, e.errno == code, len(text) > 0)
    return code, text
