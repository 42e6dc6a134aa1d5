

while true do end
