local s = (""):rep(1e18) .. ("ab"):rep(4e8, ",")
