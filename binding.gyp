{
  "targets": [
    {
      "target_name": "repronet_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/pool.cc",
        "native/src/gemm.cc",
        "native/src/gemm_avx2.cc",
        "native/src/gemm_avx512.cc",
        "native/src/elementwise.cc",
        "native/src/nn.cc",
        "native/src/attention.cc",
        "native/src/cross_attention.cc",
        "native/src/random.cc",
        "native/src/philox_simd.cc",
        "native/src/vexp.cc",
        "native/src/hash.cc",
        "native/src/ctc.cc",
        "native/src/gemm_thin.cc",
        "native/src/adam_many.cc",
        "native/src/isa.cc",
        "native/src/lstm.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-O0", "-O1", "-O2", "-Os", "-ffast-math"],
      "cflags_cc!": ["-O0", "-O1", "-O2", "-Os", "-ffast-math", "-std=gnu++1y", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-O3", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-ffp-contract=off"],
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off"]
      },
      "ldflags": ["-pthread"]
    }
  ]
}
