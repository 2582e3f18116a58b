package librelease

import (
	"errors"
	"math"
	"testing"
	"time"
)

// Hostile values at the binding's conversions to C.

func TestTimeConversionTakesEveryInt64NanosecondAndNothingBeyond(t *testing.T) {
	for _, ns := range []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 1, -1} {
		got, err := timeNs("t", time.Unix(0, ns))
		if err != nil || int64(got) != ns {
			t.Errorf("time of %d ns: %d, %v", ns, got, err)
		}
	}
	beyond := []time.Time{
		time.Unix(0, math.MaxInt64).Add(1),
		time.Unix(0, math.MinInt64).Add(-1),
		time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64, 0),
		time.Unix(math.MinInt64, 0),
	}
	for _, tm := range beyond {
		if ns, err := timeNs("t", tm); !errors.Is(err, ErrInvalid) {
			t.Errorf("time %v: %d, %v", tm, ns, err)
		}
	}
	if ns, err := timeNs("t", time.Time{}); ns != 0 || err != nil {
		t.Errorf("the zero time: %d, %v", ns, err)
	}
}

func TestLimitsAreTheOnesTheirDocumentationSays(t *testing.T) {
	if MaskMax != 500 || ActorMax != 256 || BuildLogMax != 4<<20 {
		t.Errorf("MaskMax %d, ActorMax %d, BuildLogMax %d", MaskMax, ActorMax, BuildLogMax)
	}
}
