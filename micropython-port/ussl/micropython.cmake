# ussl as a MicroPython user C module (CMake-based ports):
#   make USER_C_MODULES=/path/to/micropython-port/ussl/micropython.cmake USSL_ENGINE_LIB=/path/to/libussl_engine.a
# (or -DUSSL_ENGINE_LIB=... on the cmake command line). The port must also provide
# `int32_t ussl_platform_entropy(uint8_t *buf, size_t len)`.
add_library(usermod_ussl INTERFACE)

target_sources(usermod_ussl INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/modussl.c
)

target_include_directories(usermod_ussl INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
)

if(NOT USSL_ENGINE_LIB)
    if(DEFINED ENV{USSL_ENGINE_LIB})
        set(USSL_ENGINE_LIB $ENV{USSL_ENGINE_LIB})
    else()
        set(USSL_ENGINE_LIB ${CMAKE_CURRENT_LIST_DIR}/../../target/release/libussl_engine.a)
    endif()
endif()

target_link_libraries(usermod_ussl INTERFACE ${USSL_ENGINE_LIB})

target_link_libraries(usermod INTERFACE usermod_ussl)
