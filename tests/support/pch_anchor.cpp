// Gives tgw_test_pch a translation unit; the precompiled header is its product.
