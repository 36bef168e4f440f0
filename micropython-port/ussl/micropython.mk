# ussl as a MicroPython user C module (make-based ports):
#   make USER_C_MODULES=/path/to/micropython-port USSL_ENGINE_LIB=/path/to/libussl_engine.a
# USSL_ENGINE_LIB is the Rust engine's static library built for the port's target.
# The port must also provide `int32_t ussl_platform_entropy(uint8_t *buf, size_t len)`.
USSL_MOD_DIR := $(USERMOD_DIR)

SRC_USERMOD_C += $(USSL_MOD_DIR)/modussl.c
CFLAGS_USERMOD += -I$(USSL_MOD_DIR)

USSL_ENGINE_LIB ?= $(abspath $(USSL_MOD_DIR)/../../target/release/libussl_engine.a)
LDFLAGS_USERMOD += $(USSL_ENGINE_LIB)

# A port that has no ussl_platform_entropy of its own names a C file that provides it; it must
# lie under USER_C_MODULES (upstream's unix port: micropython-port/host/ussl_platform.c).
ifneq ($(USSL_PLATFORM_C),)
SRC_USERMOD_C += $(USSL_PLATFORM_C)
endif
