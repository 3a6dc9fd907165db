package tenant

import "strings"

// page is a Graph collection response.
type page[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// collect gathers every item of a collection, following @odata.nextLink.
// get is called with "" for the first page, then with each next link.
func collect[T any, P page[T]](get func(link string) (P, error)) ([]T, error) {
	var out []T
	link := ""
	for {
		p, err := get(link)
		if err != nil {
			return nil, err
		}
		out = append(out, p.GetValue()...)
		if link = deref(p.GetOdataNextLink()); link == "" {
			return out, nil
		}
	}
}

// eq builds an OData "prop eq 'value'" filter; quotes are doubled as
// OData string literals require.
func eq(prop, value string) *string {
	return ptr(prop + " eq '" + strings.ReplaceAll(value, "'", "''") + "'")
}
