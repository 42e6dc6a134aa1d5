require "../require/common"
