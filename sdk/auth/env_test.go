package auth

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{
		EnvIssuer:   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
		EnvAudience: "client-a",
	}
	tests := []struct {
		name    string
		env     map[string]string // merged over base; "" deletes
		want    Config
		wantErr string // the variable the error must name
	}{
		{name: "minimal", want: Config{Issuer: base[EnvIssuer], Audience: []string{"client-a"}}},
		{
			name: "everything",
			env: map[string]string{
				EnvAudience:      " client-a, client-b ,,",
				EnvClientIDClaim: "client_id",
				EnvJWKSURL:       "http://127.0.0.1:5000/eu-west-1_abc/.well-known/jwks.json",
				EnvLeeway:        "90s",
				EnvUserClaim:     "username",
			},
			want: Config{
				Issuer:        base[EnvIssuer],
				Audience:      []string{"client-a", "client-b"},
				ClientIDClaim: "client_id",
				JWKSURL:       "http://127.0.0.1:5000/eu-west-1_abc/.well-known/jwks.json",
				Leeway:        90 * time.Second,
				UserClaim:     "username",
			},
		},
		{name: "missing issuer", env: map[string]string{EnvIssuer: ""}, wantErr: EnvIssuer},
		{name: "relative issuer", env: map[string]string{EnvIssuer: "example.com"}, wantErr: EnvIssuer},
		{name: "missing audience", env: map[string]string{EnvAudience: ""}, wantErr: EnvAudience},
		{name: "blank audience", env: map[string]string{EnvAudience: " , "}, wantErr: EnvAudience},
		{name: "bad leeway", env: map[string]string{EnvLeeway: "1 minute"}, wantErr: EnvLeeway},
		{name: "leeway too large", env: map[string]string{EnvLeeway: "10m"}, wantErr: EnvLeeway},
		{name: "negative leeway", env: map[string]string{EnvLeeway: "-1s"}, wantErr: EnvLeeway},
		{name: "bad jwks url", env: map[string]string{EnvJWKSURL: "jwks.json"}, wantErr: EnvJWKSURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			got, err := ConfigFromEnv(lookup)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if _, err := NewVerifier(got); err != nil {
				t.Errorf("NewVerifier rejects the config: %v", err)
			}
		})
	}
}
