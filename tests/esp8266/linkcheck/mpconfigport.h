// Link check: the MicroPython configuration the shim is compiled with. The real firmware
// uses ports/esp8266's mpconfigport.h, which needs the SDK's headers; the emulated board's
// configuration (micropython-port/lx106, modelled on ports/esp8266) stands in for it, with
// the ussl settings of the real board (boards/ESP8266_USSL/ussl_board.h).
#include "../../../micropython-port/lx106/mpconfigport.h"
#include "../../../boards/ESP8266_USSL/ussl_board.h"
