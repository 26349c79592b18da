// GraphiQL on /graphql, against the same endpoint, with the browser's session cookie.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname, headers: {} });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolbarTabs: "variables" }));
})();
