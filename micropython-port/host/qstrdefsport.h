// qstrs specific to the ussl host port (most are collected automatically from MP_QSTR_* uses)
