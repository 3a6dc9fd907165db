// Package bench measures how close the provider comes to the round-trip floor: it runs the
// built provider under real terraform against the tenant emulator, once without latency and
// once with latency added to every request, and compares each phase's wall time with the
// least time any client could take for it.
//
// The pure parts (request classification, the sequential round-trip chain, the floor) are
// separate from the runner, so they are tested with hand-made request logs.
package bench

import "time"

// Phase is one step of a registration's life that the benchmark times.
type Phase int

const (
	Apply   Phase = iota // terraform plan -out, then terraform apply of that plan
	Plan                 // a no-change terraform plan -refresh=true
	Destroy              // terraform plan -destroy -out, then terraform apply of that plan
)

// Phases are the phases in the order a run goes through them.
var Phases = []Phase{Apply, Plan, Destroy}

func (p Phase) String() string {
	switch p {
	case Apply:
		return "apply"
	case Plan:
		return "plan"
	case Destroy:
		return "destroy"
	}
	return "unknown"
}

// floors is the round-trip floor of each phase, in one place: what no client can avoid.
//
// walksCallingGraph: every terraform walk that calls Graph runs in a provider process of its
// own, which must sign in once (one token request, counted as one round trip; discovery
// documents are not part of the floor). Apply has two such walks (the plan walk and the apply
// walk), the no-change plan one, destroy two (the refresh walk of plan -destroy and the apply
// walk). The destroy plan walk itself needs nothing from the tenant, so its sign-in is not in
// the floor: a sign-in there is waste the tables show.
//
// perRegistration: the Graph round trips one registration needs that depend on each other, so
// no batching can merge them. Terraform works on -parallelism registrations at a time, so they
// are paid once per wave of that many: ceil(N / parallelism) waves.
//   - apply 3: create the application; then its secret and its service principal, which
//     need the application's ids; then the app role assignments and grants, which need the
//     service principal's.
//   - plan 1: one $batch reads a registration's application, service principal, assignments
//     and grants together.
//   - destroy 1: the delete, with its purge in the same $batch (dependsOn). The refresh walk's
//     reads are left out, as the issue sets the floor; until they are folded away, destroy
//     stays at least a wave of reads above it.
var floors = map[Phase]struct{ walksCallingGraph, perRegistration int }{
	Apply:   {walksCallingGraph: 2, perRegistration: 3},
	Plan:    {walksCallingGraph: 1, perRegistration: 1},
	Destroy: {walksCallingGraph: 2, perRegistration: 1},
}

// FloorRoundTrips is the least number of sequential round trips phase p can take for n
// registrations at terraform's -parallelism.
func FloorRoundTrips(p Phase, n, parallelism int) int {
	if parallelism < 1 {
		parallelism = 1
	}
	f := floors[p]
	waves := (n + parallelism - 1) / parallelism
	return f.walksCallingGraph + f.perRegistration*waves
}

// Floor is the least wall time of a phase: its time without latency (terraform's and the
// provider's own work) plus latency for each round trip of its floor.
func Floor(base time.Duration, roundTrips int, latency time.Duration) time.Duration {
	return base + time.Duration(roundTrips)*latency
}
