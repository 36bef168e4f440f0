// Guest side of the socket relay: two host FIFOs opened by path through semihosting,
// "relay.tx" (guest -> host requests) then "relay.rx" (host -> guest replies), in that order
// (boards/qemu_lx106/run.py opens them in the same order). One request, one reply:
//   request: op u8, sock u8, len u16 LE, payload[len]
//   reply:   result i32 LE, len u16 LE, payload[len]
#ifndef LX106_RELAY_H
#define LX106_RELAY_H
#include <stddef.h>
#include <stdint.h>

#define RELAY_OP_SOCKET      1  // payload: af u8, type u8          -> result: sock id | -errno
#define RELAY_OP_GETADDRINFO 2  // payload: host name               -> 0 + ipv4[4] | -errno | RELAY_GAI_ERROR_BASE + gai code
#define RELAY_OP_CONNECT     3  // payload: ipv4[4], port u16 BE    -> 0 | -errno
#define RELAY_OP_SEND        4  // payload: data                    -> bytes sent | -errno
#define RELAY_OP_RECV        5  // payload: maxlen u16 LE           -> n + data (0 = EOF) | -errno (-EAGAIN)
#define RELAY_OP_CLOSE       6  // (none)                           -> 0
#define RELAY_OP_SETTIMEOUT  7  // payload: timeout ms u32 LE; 0xffffffff = blocking, 0 = non-blocking
#define RELAY_OP_POLL        8  // payload: events u16 LE           -> ready events (MP_STREAM_POLL_*)
#define RELAY_OP_WAIT        9  // payload: ms u16 LE, then (sock u8, events u8)*: waits until one
                                // of the sockets is ready or ms pass (real time) -> ms waited
#define RELAY_OP_BIND       10  // payload: ipv4[4], port u16 BE    -> 0 | -errno (0.0.0.0 binds host loopback)
#define RELAY_OP_LISTEN     11  // payload: backlog u8              -> 0 | -errno
#define RELAY_OP_ACCEPT     12  // (none)                           -> new sock id + ipv4[4] + port u16 BE | -errno (-EAGAIN)

#define RELAY_MAX_PAYLOAD    4096
#define RELAY_GAI_ERROR_BASE (-1000) // getaddrinfo failures: -1000 + EAI_* (EAI_* < 0)

// Sends op with payload p1+p2 and returns the host's result (or -errno if the relay is not
// reachable). Reply payload bytes go to resp (at most resp_max), their count to *resp_len.
int32_t relay_call(uint8_t op, uint8_t sock, const void *p1, size_t n1, const void *p2, size_t n2,
    void *resp, size_t resp_max, size_t *resp_len);
#endif
