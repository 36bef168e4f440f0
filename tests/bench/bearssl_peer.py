"""BearSSL, the peer make bench measures beside ussl (used by tests/bench/bench.py).

Runs build/bearssl/client-{full,min}.elf (tests/bench/bearssl/client.c, built by
`make bearssl-bench-elfs`) on the emulated lx106 with the board's relay (boards/qemu_lx106/run.py)
against two `openssl s_server -tls1_2 -www -groups P-256` (the P-256 chain with
ECDHE-ECDSA-AES128-GCM-SHA256, the RSA-2048 chain with ECDHE-RSA-AES128-GCM-SHA256) and returns
its figures as bearssl_* / bearssl_min_* keys, with flash and static RAM from the linker maps.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "boards", "qemu_lx106"))
import linkmap  # noqa: E402
import run as board_run  # noqa: E402  (the board's launcher: Relay, qemu_command)

SERVERS = {  # name: (cert, key, openssl cipher name)
    "ecdsa": ("server.pem", "server.key", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    "rsa": ("rsa-server.pem", "rsa-server.key", "ECDHE-RSA-AES128-GCM-SHA256"),
}


class BearSSLError(Exception):
    pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(certs, cert, key, cipher):
    port = _free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-tls1_2", "-www", "-quiet", "-groups", "P-256",
                            "-cipher", cipher, "-accept", "127.0.0.1:%d" % port,
                            "-cert", os.path.join(certs, cert), "-key", os.path.join(certs, key)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if srv.poll() is not None:
            raise BearSSLError("openssl s_server (%s) exited early" % cert)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return srv, port
        except OSError:
            time.sleep(0.1)
    srv.kill()
    raise BearSSLError("openssl s_server (%s) did not start" % cert)


def _run_elf(elf, ports, timeout=900):
    """Runs the client on the emulated board; returns its console output."""
    workdir = tempfile.mkdtemp(prefix="bearssl_lx106.")
    relay = board_run.Relay(workdir)
    relay.start()
    try:
        out = subprocess.run(board_run.qemu_command(elf), cwd=workdir, input=("%d %d\n" % ports).encode(),
                             capture_output=True, timeout=timeout)
    finally:
        relay.unblock()
        relay.join(2)
        shutil.rmtree(workdir, ignore_errors=True)
    text = out.stdout.decode("utf-8", "replace")
    errors = [l for l in text.splitlines() if l.startswith(("BENCH_ERROR", "BENCH_FATAL"))]
    if out.returncode != 0 or errors:
        raise BearSSLError("%s exited %d: %s" % (os.path.basename(elf), out.returncode,
                                                  "; ".join(errors) or text[-400:] or "no output"))
    return text


def _map_totals(map_path):
    """Bytes per (owner, output section); owner: bearssl (libbearssl.a) or other."""
    return linkmap.section_totals(map_path, lambda path: "bearssl" if "libbearssl.a" in path else "other")


def _sizes(map_path, prefix):
    t = _map_totals(map_path)
    fig = {}
    # Flash: code, read-only data, and .data's load image.
    for owner, key in (("bearssl", prefix + "flash_bytes"), (None, prefix + "program_flash_bytes")):
        fig[key] = sum(v for (o, sec), v in t.items() if sec in (".text", ".irom0.rodata", ".vectors", ".data")
                       and (owner is None or o == owner))
    fig[prefix + "flash_text_bytes"] = t.get(("bearssl", ".text"), 0)
    fig[prefix + "flash_rodata_bytes"] = t.get(("bearssl", ".irom0.rodata"), 0)
    fig[prefix + "ram_data_bytes"] = t.get(("bearssl", ".data"), 0)
    fig[prefix + "ram_bss_bytes"] = t.get(("bearssl", ".bss"), 0)
    # The linked program's .data + .bss: BearSSL's own, plus the client's contexts and I/O buffer.
    fig[prefix + "program_static_ram_bytes"] = sum(v for (o, sec), v in t.items() if sec in (".data", ".bss"))
    return fig


def measure(build_dir, certs):
    """bearssl_* figures (full profile) and bearssl_min_* (minimal profile); BearSSLError if
    they cannot be had."""
    if not os.path.exists(os.path.join(build_dir, "ready")):
        raise BearSSLError("no BearSSL build (make bearssl-bench-elfs failed above: "
                           "BearSSL's source from Debian or its build)")
    servers = []
    try:
        ports = []
        for name in ("ecdsa", "rsa"):
            srv, port = _start_server(certs, *SERVERS[name])
            servers.append(srv)
            ports.append(port)
        fig = {}
        for profile, prefix in (("full", "bearssl_"), ("min", "bearssl_min_")):
            elf = os.path.join(build_dir, "client-%s.elf" % profile)
            for line in _run_elf(elf, tuple(ports)).splitlines():
                m = re.match(r"BENCH (\w+) (\d+)$", line.strip())
                if m:
                    fig[prefix + m.group(1)] = int(m.group(2))
            if fig.get(prefix + "check_wrong_ca_rejected") != 1:
                raise BearSSLError("%s: no proof that a wrong CA is refused" % os.path.basename(elf))
            fig.update(_sizes(os.path.join(build_dir, "client-%s.map" % profile), prefix))
        return fig
    finally:
        for srv in servers:
            srv.kill()
            srv.wait()
