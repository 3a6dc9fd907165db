package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// /applications/{app}/owners and /servicePrincipals/{sp}/owners: who owns a registration or
// an enterprise application, and the owners@odata.bind a create may carry
// (application-post-owners.md, application-list-owners.md, application-delete-owners.md and
// their servicePrincipal twins).

func (g *graphReq) listApplicationOwners() (reply, error)  { return g.listOwners(false) }
func (g *graphReq) listSPOwners() (reply, error)           { return g.listOwners(true) }
func (g *graphReq) addApplicationOwner() (reply, error)    { return g.addOwnerRef(false) }
func (g *graphReq) addSPOwner() (reply, error)             { return g.addOwnerRef(true) }
func (g *graphReq) removeApplicationOwner() (reply, error) { return g.removeOwnerRef(false) }
func (g *graphReq) removeSPOwner() (reply, error)          { return g.removeOwnerRef(true) }

// ownerTarget is the object whose owners the path names.
func (g *graphReq) ownerTarget(onSP bool) ref {
	if onSP {
		return g.sp()
	}
	return g.app()
}

// errInvalidObjectID is Graph's answer to an object id that is not a GUID.
func errInvalidObjectID(id string) *graphError {
	return errBadRequest("Invalid object identifier '" + id + "'.")
}

// errNotAnObjectURL answers a reference that names no directory object. Emulator's wording:
// no source at hand shows Graph's for it.
func errNotAnObjectURL(annotation string) *graphError {
	return errBadRequest("Invalid URL format specified in " + annotation + " for owners.")
}

// listOwners answers GET .../owners: directory objects, each with its @odata.type, so clients
// tell users from service principals.
func (g *graphReq) listOwners(onSP bool) (reply, error) {
	list, err := g.e.store.owners(g.ownerTarget(onSP), onSP, g.view)
	if err != nil {
		return reply{}, err
	}
	items := make([]map[string]any, 0, len(list))
	for _, o := range list {
		items = append(items, o.render())
	}
	return g.collection("directoryObjects", "DirectoryObject", items)
}

// addOwnerRef answers POST .../owners/$ref {"@odata.id": ".../directoryObjects/{id}"}: 204.
func (g *graphReq) addOwnerRef(onSP bool) (reply, error) {
	id, err := g.readReference()
	if err != nil {
		return reply{}, err
	}
	if err := g.mayReferenceOwners([]string{id}); err != nil {
		return reply{}, err
	}
	if err := g.e.store.addOwner(g.ownerTarget(onSP), onSP, id, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// removeOwnerRef answers DELETE .../owners/{id}/$ref: 204.
func (g *graphReq) removeOwnerRef(onSP bool) (reply, error) {
	id := g.refs["{id}"].value
	if !isGUID(id) {
		return reply{}, errInvalidObjectID(id)
	}
	if err := g.e.store.removeOwner(g.ownerTarget(onSP), onSP, id, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// readReference reads the body of a POST to a $ref: {"@odata.id": "<URL of the object>"}.
// readObject would drop the annotation, which here is the data.
func (g *graphReq) readReference() (string, error) {
	raw, err := readBody(g.r, 1<<20)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return "", newGraphError(http.StatusRequestEntityTooLarge, "Request_BadRequest", "The request body is too large.")
		}
		return "", errPayload()
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return "", errPayload()
	}
	var u *string
	if json.Unmarshal(body["@odata.id"], &u) != nil || u == nil {
		// Emulator's wording: no source at hand shows Graph's for a $ref body without @odata.id.
		return "", errBadRequest("The request body must contain @odata.id, the URL of the directory object to reference.")
	}
	id, ok := directoryObjectID(*u)
	if !ok {
		return "", errNotAnObjectURL("@odata.id")
	}
	if !isGUID(id) {
		return "", errInvalidObjectID(id)
	}
	return id, nil
}

// parseOwnerBinds decodes owners@odata.bind, a list of directory object URLs, as a create
// carries it. On an update it is refused: the owners collection changes through its $ref.
func parseOwnerBinds(raw json.RawMessage, create bool) ([]string, error) {
	if !create {
		// Emulator's wording: a client changes owners through .../owners/$ref.
		return nil, errBadRequest("owners@odata.bind is accepted only when the object is created; add owners through owners/$ref.")
	}
	var urls []string
	if err := json.Unmarshal(raw, &urls); err != nil {
		return nil, errPayload()
	}
	ids := make([]string, 0, len(urls))
	for _, u := range urls {
		id, ok := directoryObjectID(u)
		if !ok {
			return nil, errNotAnObjectURL("@odata.bind")
		}
		if !isGUID(id) {
			return nil, errInvalidObjectID(id)
		}
		ids = append(ids, strings.ToLower(id))
	}
	return ids, nil
}

// mayReferenceOwners checks the caller may name these objects as owners. Graph's pages ask
// for Application.ReadWrite.All "and Directory.Read.All" to add an owner, and azuread's docs
// narrow that in practice to User.Read.All for user owners: the emulator asks a caller that
// names a user for the right to read users. A service principal is read by the application
// permission the route already demands.
func (g *graphReq) mayReferenceOwners(ids []string) error {
	for _, id := range ids {
		if g.e.store.isUser(id) && !hasAny(g.caller.perms, permUserRead) {
			return errForbidden()
		}
	}
	return nil
}
