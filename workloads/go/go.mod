module gomem/workloads/go

go 1.19
