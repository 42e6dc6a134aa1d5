string.find = nil
