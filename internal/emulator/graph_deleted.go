package emulator

import (
	"net/http"
	"strings"
	"time"
)

// /directory/deletedItems: the container deleted applications wait in (30 days in Entra)
// until restored or purged.

func (g *graphReq) directory() {
	segs := g.segs
	if len(segs) < 2 || segs[1].name != "deletedItems" {
		name := "directory"
		if len(segs) >= 2 {
			name = segs[1].name
		}
		g.badSegment(name)
		return
	}
	rest := segs[2:]
	switch {
	case len(rest) == 1 && (rest[0].name == "microsoft.graph.application" || rest[0].name == "graph.application"):
		if g.r.Method != http.MethodGet {
			g.methodNotAllowed()
			return
		}
		if g.allowed(permAppRead) {
			g.listDeletedApplications()
		}
	case len(rest) == 1:
		switch g.r.Method {
		case http.MethodGet:
			if g.allowed(permAppRead) {
				g.deletedItem(rest[0].name)
			}
		case http.MethodDelete:
			if g.allowed(permAppWrite) {
				g.purgeDeletedItem(rest[0].name)
			}
		default:
			g.methodNotAllowed()
		}
	case len(rest) == 2 && strings.TrimPrefix(strings.TrimPrefix(rest[1].name, "microsoft."), "graph.") == "restore":
		if g.r.Method != http.MethodPost {
			g.methodNotAllowed()
			return
		}
		if g.allowed(permAppWrite) {
			g.restoreDeletedItem(rest[0].name)
		}
	case len(rest) == 0:
		// Graph requires a type cast to list deleted items.
		g.badRequest("Resource not found for the segment 'deletedItems'.")
	default:
		g.badSegment(rest[len(rest)-1].name)
	}
}

func (g *graphReq) listDeletedApplications() {
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for _, a := range sortedApps(s.deleted) {
		items = append(items, g.e.renderApplication(a))
	}
	g.collection("directory/deletedItems/microsoft.graph.application", "Application (deleted)", items)
}

func (g *graphReq) deletedItem(id string) {
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.deleted[id]
	if a == nil {
		g.notFound(id)
		return
	}
	g.entity(http.StatusOK, "directory/deletedItems", g.e.renderApplication(a))
}

func (g *graphReq) purgeDeletedItem(id string) {
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted[id] == nil {
		g.notFound(id)
		return
	}
	delete(s.deleted, id)
	g.noContent()
}

// restoreDeletedItem brings an application back with its credentials. Its service principal
// is not restored: Entra restores each object on its own.
func (g *graphReq) restoreDeletedItem(id string) {
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.deleted[id]
	if a == nil {
		g.notFound(id)
		return
	}
	if s.appByAppIDAny(a.appID) != nil {
		g.fail(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "The application cannot be restored because an object with the same appId already exists.")
		return
	}
	delete(s.deleted, id)
	a.deleted = time.Time{}
	s.apps[a.id] = a
	body := g.e.renderApplication(a)
	body["@odata.context"] = graphMetadata + "directoryObjects/$entity"
	g.ok(http.StatusOK, body)
}
