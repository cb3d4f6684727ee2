package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
)

// The Go server: the same protocol as scripts/concurrent_server.lua, one
// goroutine per connection, plain net package. It is the ceiling the Lua
// servers are measured against. Run as `go run ./bench goserver [ADDRESS [PORT]]`.

const (
	welcome = "Welcome to php socket server version 1.0 \n" +
		"Enter a message and press enter, and i shall reply back \n"
	maxLine = 64 * 1024 // a longer line is answered in pieces of this size
)

func goServer(args []string) int {
	address, port := "127.0.0.1", "5000"
	if len(args) > 0 {
		address = args[0]
	}
	if len(args) > 1 {
		port = args[1]
	}
	if _, err := strconv.Atoi(port); err != nil || len(args) > 2 || address == "-h" || address == "--help" {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench goserver [ADDRESS [PORT]]")
		return 2
	}
	fmt.Print("Socket created \n")
	ln, err := net.Listen("tcp", net.JoinHostPort(address, port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "Could not bind socket: %v \n", err)
		return 1
	}
	fmt.Print("Socket bind OK \n")
	fmt.Print("Socket listen OK \n")
	a := ln.Addr().(*net.TCPAddr)
	fmt.Printf("Listening on %s:%d\n", a.IP, a.Port)
	fmt.Print("Waiting for incoming connections... \n")
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			// EMFILE and the like: say so and keep serving the others.
			fmt.Fprintf(os.Stderr, "accept: %v\n", err)
			continue
		}
		go serveGo(c)
	}
}

// serveGo is concurrent_server.lua's handle(): welcome, then one
// "OK ... <line>" per line, lines longer than maxLine in pieces.
func serveGo(c net.Conn) {
	name := c.RemoteAddr().(*net.TCPAddr)
	fmt.Printf("Client %s : %d is now connected to us. \n", name.IP, name.Port)
	why := "closed by client"
	defer func() {
		c.Close()
		fmt.Printf("Client %s : %d disconnected (%s). \n", name.IP, name.Port, why)
	}()
	if _, err := c.Write([]byte(welcome)); err != nil {
		why = err.Error()
		return
	}
	buf := make([]byte, 65536)
	var pending, out []byte
	for {
		n, err := c.Read(buf)
		if n == 0 || err != nil {
			if err != nil && !errors.Is(err, io.EOF) {
				why = err.Error()
			}
			return
		}
		pending = append(pending, buf[:n]...)
		start := 0
		out = out[:0]
		for {
			nl := bytes.IndexByte(pending[start:], '\n')
			switch {
			case nl >= 0 && nl <= maxLine:
				out = append(out, "OK ... "...)
				out = append(out, pending[start:start+nl+1]...)
				start += nl + 1
				continue
			case len(pending)-start > maxLine:
				out = append(out, "OK ... "...)
				out = append(out, pending[start:start+maxLine]...)
				out = append(out, '\n')
				start += maxLine
				continue
			}
			break
		}
		pending = append(pending[:0], pending[start:]...)
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				why = err.Error()
				return
			}
		}
	}
}
