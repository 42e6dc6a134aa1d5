local s = string.rep("폭탄", 1e12)
