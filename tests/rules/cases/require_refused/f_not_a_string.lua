require(setmetatable({}, {}))
