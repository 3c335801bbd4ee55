package mongotest

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

// opMsg is the MongoDB wire protocol's OP_MSG opcode.
const opMsg = 2013

// wireProxy forwards MongoDB wire-protocol connections on 127.0.0.1 to a
// server and records the command document of every OP_MSG a client sends,
// so that a test sees what the driver asked for however the client was
// made (here: by gocloud's mongo:// URL opener, which takes no monitor).
type wireProxy struct {
	addr string

	mu   sync.Mutex
	cmds []bson.Raw
}

// startWireProxy starts a proxy to backend (host:port) that stops when
// the test ends.
func startWireProxy(t *testing.T, backend string) *wireProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &wireProxy{addr: l.Addr().String()}
	var wg sync.WaitGroup
	var conns sync.Map
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			conns.Store(c, s)
			wg.Go(func() { io.Copy(c, s); c.Close() })
			wg.Go(func() { p.forward(s, c); s.Close() })
		}
	})
	t.Cleanup(func() {
		l.Close()
		conns.Range(func(c, s any) bool { c.(net.Conn).Close(); s.(net.Conn).Close(); return true })
		wg.Wait()
	})
	return p
}

// forward copies messages from client to server, recording commands.
func (p *wireProxy) forward(server io.Writer, client io.Reader) {
	for {
		var size [4]byte
		if _, err := io.ReadFull(client, size[:]); err != nil {
			return
		}
		n := binary.LittleEndian.Uint32(size[:])
		if n < 16 || n > 48<<20 {
			return
		}
		msg := make([]byte, n)
		copy(msg, size[:])
		if _, err := io.ReadFull(client, msg[4:]); err != nil {
			return
		}
		if cmd, err := commandOf(msg); err == nil && cmd != nil {
			p.mu.Lock()
			p.cmds = append(p.cmds, cmd)
			p.mu.Unlock()
		}
		if _, err := server.Write(msg); err != nil {
			return
		}
	}
}

// commands returns the commands recorded so far.
func (p *wireProxy) commands() []bson.Raw {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]bson.Raw(nil), p.cmds...)
}

// commandOf returns the body (kind 0 section) of an OP_MSG, nil for other
// messages.
func commandOf(msg []byte) (bson.Raw, error) {
	if binary.LittleEndian.Uint32(msg[12:16]) != opMsg || len(msg) < 21 {
		return nil, nil
	}
	end := len(msg)
	if binary.LittleEndian.Uint32(msg[16:20])&1 != 0 { // checksumPresent
		end -= 4
	}
	for i := 20; i < end; {
		kind := msg[i]
		i++
		if i+4 > end {
			break
		}
		size := int(binary.LittleEndian.Uint32(msg[i : i+4]))
		if size < 5 || i+size > end {
			break
		}
		if kind == 0 {
			doc := bson.Raw(msg[i : i+size])
			return doc, doc.Validate()
		}
		i += size
	}
	return nil, errors.New("OP_MSG without a body section")
}
