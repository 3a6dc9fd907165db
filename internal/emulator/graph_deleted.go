package emulator

import (
	"net/http"
)

// /directory/deletedItems: the container deleted applications and service principals wait in
// (30 days in Entra) until restored or purged.

func (g *graphReq) listDeletedApplications() (reply, error) {
	var items []map[string]any
	for _, a := range g.e.store.deletedApplications() {
		items = append(items, renderApplication(a))
	}
	return g.collection("directory/deletedItems/microsoft.graph.application", "Application (deleted)", items)
}

func (g *graphReq) listDeletedServicePrincipals() (reply, error) {
	var items []map[string]any
	for _, sp := range g.e.store.deletedServicePrincipals() {
		items = append(items, renderServicePrincipal(sp))
	}
	return g.collection("directory/deletedItems/microsoft.graph.servicePrincipal", "ServicePrincipal (deleted)", items)
}

func (g *graphReq) getDeletedItem() (reply, error) {
	d, err := g.e.store.deletedItem(g.refs["{id}"].value)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, "directory/deletedItems", d.render())
}

func (g *graphReq) purgeDeletedItem() (reply, error) {
	if err := g.e.store.purge(g.refs["{id}"].value); err != nil {
		return reply{}, err
	}
	return noContent()
}

func (g *graphReq) restoreDeletedItem() (reply, error) {
	d, err := g.e.store.restore(g.refs["{id}"].value, g.view)
	if err != nil {
		return reply{}, err
	}
	body := d.render()
	body["@odata.context"] = g.e.graphMetadataURL() + "directoryObjects/$entity"
	return reply{status: http.StatusOK, body: body}, nil
}

// render is the item's Graph representation; its @odata.type tells the two kinds apart.
func (d deletedObject) render() map[string]any {
	if d.app != nil {
		return renderApplication(d.app)
	}
	return renderServicePrincipal(d.sp)
}
