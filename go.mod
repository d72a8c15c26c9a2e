module clinicsms

go 1.26
