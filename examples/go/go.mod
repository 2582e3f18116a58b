module librelease

go 1.19
