package librelease

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// damageRecord flips a byte in the data of the newest record of key (a
// release or build id) in the newest log of an app's directory of the
// file store. The log's layout (lib/file/file.h): a 64-byte header, then
// records of magic u32 | crc32c u32 | op u8 | kind u8 | keylen u8 |
// flags u8 | datalen u32 | seq u64 | key | data, little-endian. The record
// must not be the log's last, which would pass for a torn append.
func damageRecord(t *testing.T, appDir, key string) {
	t.Helper()
	entries, err := os.ReadDir(appDir)
	if err != nil {
		t.Fatal(err)
	}
	newest, gen := "", -1
	for _, e := range entries {
		if g, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "log.")); err == nil && strings.HasPrefix(e.Name(), "log.") && g > gen {
			newest, gen = e.Name(), g
		}
	}
	path := filepath.Join(appDir, newest)
	log, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const header, recHeader = 64, 24
	target, last := -1, -1
	for pos := header; pos+recHeader <= len(log); {
		keylen := int(log[pos+10])
		datalen := int(binary.LittleEndian.Uint32(log[pos+12:]))
		start := pos + recHeader
		if bytes.Equal(log[start:start+keylen], []byte(key)) && datalen > 0 {
			target = start + keylen + datalen/2
		}
		last = pos
		pos = start + keylen + datalen
	}
	if target < 0 || target > last {
		t.Fatalf("no record of %s to damage in %s", key, path)
	}
	log[target] ^= 0x55
	if err := os.WriteFile(path, log, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDamagedReleaseIsCorrupt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s := mustOpen(t, "file:"+dir)
	makeHistory(t, s, "web", 4)
	damaged, _ := s.ReleaseByVersion("web", 2)
	s.Close()
	damageRecord(t, filepath.Join(dir, "web"), damaged.ID)

	s = mustOpen(t, "file:"+dir)
	_, err := s.Release("web", damaged.ID)
	wantErr(t, err, ErrCorrupt)
	if !strings.Contains(err.Error(), "web") {
		t.Errorf("message does not name the app: %v", err)
	}
}

func TestListingSkipsADamagedReleaseAndReportsIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s := mustOpen(t, "file:"+dir)
	makeHistory(t, s, "web", 4)
	damaged, _ := s.ReleaseByVersion("web", 2)
	s.Close()
	damageRecord(t, filepath.Join(dir, "web"), damaged.ID)

	s = mustOpen(t, "file:"+dir)
	rs, err := collect(t, s.Releases("web", nil))
	wantErr(t, err, ErrCorrupt)
	if got := versions(rs); len(got) != 3 || got[0] != 4 || got[1] != 3 || got[2] != 1 {
		t.Errorf("listed %v", got)
	}
	if !strings.Contains(err.Error(), "version 2") {
		t.Errorf("the error does not name version 2: %v", err)
	}
}

func TestListingClosedEarlyStillReportsTheDamagedReleaseItSkipped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s := mustOpen(t, "file:"+dir)
	makeHistory(t, s, "web", 4)
	damaged, _ := s.ReleaseByVersion("web", 3)
	s.Close()
	damageRecord(t, filepath.Join(dir, "web"), damaged.ID)

	s = mustOpen(t, "file:"+dir)
	it := s.Releases("web", nil)
	var seen []uint64
	for it.Next() {
		seen = append(seen, it.Release().Version)
		if it.Release().Version == 2 {
			break // found what it looked for; version 3 was skipped on the way
		}
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != 4 || seen[1] != 2 {
		t.Fatalf("listed %v", seen)
	}
	wantErr(t, it.Err(), ErrCorrupt)
	if !strings.Contains(it.Err().Error(), "version 3") {
		t.Errorf("the error does not name version 3: %v", it.Err())
	}
}

func TestListingSkipsADamagedBuildAndReportsIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s := mustOpen(t, "file:"+dir)
	makeHistory(t, s, "web", 1)
	var ids []string
	for i := 0; i < 3; i++ {
		b, err := s.CreateBuild("web", &BuildOptions{Description: "b" + itoa(int64(i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	s.Close()
	damageRecord(t, filepath.Join(dir, "web"), ids[1])

	s = mustOpen(t, "file:"+dir)
	it := s.Builds("web", 0)
	defer it.Close()
	var got []string
	for it.Next() {
		got = append(got, it.Build().ID)
	}
	wantErr(t, it.Err(), ErrCorrupt)
	for _, id := range got {
		if id == ids[1] {
			t.Errorf("the damaged build %s was listed", id)
		}
	}
	if len(got) != 3 { // the two others and the seed's build
		t.Errorf("listed %v", got)
	}
}
