package noapp

func Other() {}
