setmetatable(_ENV, nil)
